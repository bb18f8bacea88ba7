"""A fitted detector moves to another checkpoint unchanged, and nothing else of either checkpoint moves with it."""

from __future__ import annotations

import pytest
import torch
from _model_fixtures import micro_config

from lohovla.policies.lohovla.loading import build_model, load_model, save_checkpoint
from lohovla.training.copy_detector import copy_detector


def _model(colors: tuple[str, ...], seed: int):
    cfg = micro_config()
    cfg.grounding.colors = colors
    torch.manual_seed(seed)
    return build_model(cfg)


def test_the_detector_and_its_settings_move_and_nothing_else(tmp_path) -> None:
    donor = save_checkpoint(_model(("red", "blue"), 0), tmp_path / "donor")
    plain = save_checkpoint(_model((), 1), tmp_path / "plain")
    out = copy_detector(donor, plain, tmp_path / "out")
    got, d, p = load_model(out), load_model(donor), load_model(plain)
    assert got.cfg.grounding == d.cfg.grounding
    for key, value in got.state_dict().items():
        want = d.state_dict()[key] if key.startswith("presence.") else p.state_dict()[key]
        assert torch.equal(value, want), key
    with pytest.raises(ValueError, match="no fitted colour detector"):
        copy_detector(plain, plain, tmp_path / "again")
