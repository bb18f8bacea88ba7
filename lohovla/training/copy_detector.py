"""Give a checkpoint the colour detector another one was fitted with, instead of fitting it again (20 CPU minutes).

    python -m lohovla.training.copy_detector lohovla/checkpoints/lohovla-tiny runs/refer-scratch/final runs/x

The detector reads raw pixels, never the model's features (color_fit.py), so a fitted one means the same in any
checkpoint. A development shortcut for evaluating a new run on val: a fresh fit gives a detector of the same val
quality but not the same weights, and the recipe that ships runs the fit itself (scripts/train_tiny.sh). The copy
records where its detector came from (`detector_copied_from`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lohovla.policies.lohovla.loading import extra_fields, load_model, save_checkpoint
from lohovla.policy_loading import shipped_checkpoint


def copy_detector(src: Path | str, dst: Path | str, out: Path | str) -> Path:
    """Write `out`: the checkpoint `dst` with `src`'s detector and grounding settings; every other weight is dst's."""
    src = shipped_checkpoint(str(src)) or Path(src)
    donor, model = load_model(src), load_model(dst)
    if donor.presence is None:
        raise ValueError(f"{src} has no fitted colour detector")
    model.cfg.grounding, model.presence = donor.cfg.grounding, donor.presence
    config = json.loads((Path(dst) / "config.json").read_text())
    kept = extra_fields(config)
    fit = json.loads((Path(src) / "config.json").read_text()).get("color_fit")
    return save_checkpoint(model, out, {**kept, "color_fit": fit, "detector_copied_from": str(src)})


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", help="a checkpoint with a fitted detector (or a shipped name)")
    p.add_argument("dst", help="the checkpoint to give it to")
    p.add_argument("out")
    args = p.parse_args(argv)
    print(copy_detector(args.src, args.dst, args.out))


if __name__ == "__main__":
    main()
