"""A weight soup: the uniform average of second-stage runs that start from one first stage.

    python -m lohovla.training.soup runs/soup runs/a/final runs/b/final runs/c/final

Why: two stage-2 runs that differ only in their data-order seed or in float rounding differ by 20-30 points on
single val tasks (C, H), so any one run is a draw. Fine-tunes of one set of weights stay in one basin, where
their average is a model too and keeps what the runs share rather than what one draw picked up
(docs/generalisation.md, "a weight soup"). The soup is refused unless every run has the same architecture, the
same vocabulary and the same `init_from` (averaging runs from different starts gives a broken model, not an
error), and unless none has a fitted colour detector (the fit comes after the soup). Its config.json lists each
run's sha256 and training settings (`soup`), in place of one `training`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from lohovla.evaluation.provenance import WEIGHTS, sha256_file
from lohovla.policies.lohovla.config import ModelConfig
from lohovla.training.color_fit import FITTED_GROUNDING


def _config(run: Path) -> dict[str, Any]:
    path = run / "config.json"
    if not path.exists():
        raise FileNotFoundError(f"{run} is not a checkpoint directory (no config.json)")
    return json.loads(path.read_text())


def _architecture(config: dict[str, Any]) -> dict[str, Any]:
    """The model settings that shape the weights: all but the grounding checks' switches and parameters (policy
    settings, chosen on val after training; the detector's own settings stay)."""
    model = ModelConfig.from_dict(config["model"]).to_dict()
    return {**model, "grounding": {k: model["grounding"][k] for k in FITTED_GROUNDING}}


def _same(runs: Sequence[Path], what: str, values: list[Any]) -> None:
    for run, value in zip(runs[1:], values[1:]):
        if value != values[0]:
            raise ValueError(f"cannot soup {runs[0]} and {run}: their {what} differ")


def average_state(states: Sequence[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Mean of each floating-point tensor (summed in float64); other tensors must be equal in every state."""
    out = {}
    for key, first in states[0].items():
        if first.is_floating_point():
            total = sum(state[key].double() for state in states)
            out[key] = (total / len(states)).to(first.dtype)
        elif all(torch.equal(state[key], first) for state in states[1:]):
            out[key] = first
        else:
            raise ValueError(f"cannot soup: the integer tensor {key} differs between runs")
    return out


def make_soup(runs: Sequence[Path | str], out: Path | str) -> Path:
    """Write `out`: the average of `runs`' weights, with the first run's config and vocabulary."""
    from lohovla.policies.lohovla.loading import extra_fields, load_model, save_checkpoint

    runs = [Path(r) for r in runs]
    if len(runs) < 2:
        raise ValueError("a soup needs at least two runs")
    configs = [_config(r) for r in runs]
    fitted = [r for r, c in zip(runs, configs) if "color_fit" in c]
    if fitted:  # detectors fitted apart do not average, and the soup's config would claim one run's fit
        raise ValueError(f"{fitted[0]} has a fitted colour detector: soup the runs before the fit, then fit the soup")
    _same(runs, "architectures", [_architecture(c) for c in configs])
    _same(runs, "vocabularies", [(r / "tokenizer.json").read_text() for r in runs])
    starts = [c.get("training", {}).get("settings", {}).get("init_from") for c in configs]
    _same(runs, "init_from (first stages)", starts)
    states = [load_file(str(r / WEIGHTS)) for r in runs]
    _same(runs, "weight names", [sorted(s) for s in states])
    model = load_model(runs[0], keep_behaviour=False)  # a new checkpoint: settings the runs predate as today's
    model.load_state_dict(average_state(states))
    ingredients = [
        {"checkpoint": str(r), "sha256": sha256_file(r / WEIGHTS), "training": c.get("training")}
        for r, c in zip(runs, configs)
    ]
    kept = extra_fields(configs[0])
    kept.pop("training", None)
    return save_checkpoint(model, out, {**kept, "soup": ingredients})


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", help="the soup's checkpoint directory")
    p.add_argument("runs", nargs="+", help="checkpoint directories (runs/<name>/final) from one first stage")
    args = p.parse_args(argv)
    try:
        print(make_soup(args.runs, args.out))
    except (ValueError, FileNotFoundError) as e:
        p.exit(2, f"lohovla.training.soup: {e}\n")


if __name__ == "__main__":
    main()
