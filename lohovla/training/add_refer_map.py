"""Give a trained checkpoint a fresh refer map, so it can be fine-tuned to point at what its colour words name.

    python -m lohovla.training.add_refer_map runs/lohovla-tiny-grounded runs/refer-init

Every other weight, the tokenizer, the detector and the config's other fields are kept; `text.refer_colors` becomes
the detector's colours (or `--colors`). A development tool: a recipe that ships builds the refer map from scratch
(configs/model/*.yaml).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lohovla.policies.lohovla.loading import extra_fields, load_model, save_checkpoint
from lohovla.policies.lohovla.model import LoHoVLAModel


def add_refer_map(src: Path | str, out: Path | str, colors: list[str] | None = None) -> Path:
    """Write `out`: the checkpoint at `src` plus an untrained refer map over `colors`."""
    old = load_model(src)
    cfg = old.cfg
    if old.refer_map is not None:
        raise ValueError(f"{src} already has a refer map")
    words = tuple(colors or (old.presence.colors if old.presence is not None else ()))
    if not words:
        raise ValueError(f"{src} has no fitted colour detector: name the refer colours with --colors")
    cfg.text.refer_colors = words
    config = json.loads((Path(src) / "config.json").read_text())
    model = LoHoVLAModel(cfg, old.codec, config["backbone_hf_config"])
    missing, unexpected = model.load_state_dict(old.state_dict(), strict=False)
    if unexpected or any(not k.startswith("refer_map.") for k in missing):
        raise ValueError(f"unexpected weight mismatch: missing {missing[:5]}, unexpected {unexpected[:5]}")
    extra = extra_fields(config)
    extra["refer_map_added_to"] = str(src)
    return save_checkpoint(model, out, extra)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src")
    p.add_argument("out")
    p.add_argument("--colors", nargs="*", default=None)
    args = p.parse_args(argv)
    print(add_refer_map(args.src, args.out, args.colors))


if __name__ == "__main__":
    main()
