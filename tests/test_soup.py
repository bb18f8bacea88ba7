"""A weight soup is the mean of its runs' weights, names its runs, and refuses runs that share no first stage."""

from __future__ import annotations

import json

import pytest
import torch
from _model_fixtures import micro_config

from lohovla.evaluation.provenance import sha256_file
from lohovla.policies.lohovla.grounding_config import ADDED, GroundingConfig
from lohovla.policies.lohovla.loading import build_model, load_model, save_checkpoint
from lohovla.training.soup import main, make_soup


def _run(tmp_path, name: str, seed: int, init_from: str = "runs/stage1/final", cfg=None):
    torch.manual_seed(seed)
    model = build_model(cfg or micro_config())
    training = {"step": 10, "settings": {"init_from": init_from, "seed": seed}}
    return save_checkpoint(model, tmp_path / name, {"training": training})


def test_the_soup_is_the_mean_and_records_its_runs(tmp_path) -> None:
    runs = [_run(tmp_path, f"r{i}", i) for i in range(3)]
    out = make_soup(runs, tmp_path / "soup")
    got, parts = load_model(out), [load_model(r) for r in runs]
    for key, value in got.state_dict().items():
        if value.is_floating_point():
            want = sum(p.state_dict()[key].double() for p in parts) / 3
            assert torch.allclose(value.double(), want, atol=1e-6), key
    floats = [k for k, v in got.state_dict().items() if v.is_floating_point()]
    for part in parts:  # not a copy of any one run
        assert any(not torch.equal(got.state_dict()[k], part.state_dict()[k]) for k in floats)
    config = json.loads((out / "config.json").read_text())
    assert "training" not in config
    assert [i["sha256"] for i in config["soup"]] == [sha256_file(r / "model.safetensors") for r in runs]
    assert [i["training"]["settings"]["seed"] for i in config["soup"]] == [0, 1, 2]


def test_runs_from_different_first_stages_are_refused(tmp_path) -> None:
    a, b = _run(tmp_path, "a", 0), _run(tmp_path, "b", 1, init_from="runs/other/final")
    with pytest.raises(ValueError, match="init_from"):
        make_soup([a, b], tmp_path / "soup")
    assert not (tmp_path / "soup").exists()


def test_different_architectures_and_a_single_run_are_refused(tmp_path) -> None:
    wide = micro_config()
    wide.backbone.intermediate_size = 96
    a, b = _run(tmp_path, "a", 0), _run(tmp_path, "b", 1, cfg=wide)
    with pytest.raises(ValueError, match="architectures"):
        make_soup([a, b], tmp_path / "soup")
    with pytest.raises(ValueError, match="at least two"):
        make_soup([a], tmp_path / "soup")


def test_runs_with_a_fitted_detector_are_refused(tmp_path) -> None:
    a, b = _run(tmp_path, "a", 0), _run(tmp_path, "b", 1)
    config = json.loads((b / "config.json").read_text())
    (b / "config.json").write_text(json.dumps({**config, "color_fit": {"settings": {}}}))
    with pytest.raises(ValueError, match="fit the soup"):
        make_soup([a, b], tmp_path / "soup")


def test_the_command_line_says_one_line_on_bad_input(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([str(tmp_path / "soup"), str(tmp_path / "missing"), str(tmp_path / "missing2")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "no config.json" in err and len(err.splitlines()) == 1


def test_a_soup_of_runs_older_than_a_grounding_setting_takes_todays_default(tmp_path) -> None:
    """Loading an old run keeps its behaviour (ADDED); the soup is a new checkpoint, written as a run today would."""
    runs = [_run(tmp_path, f"r{i}", i) for i in range(2)]
    for run in runs:
        config = json.loads((run / "config.json").read_text())
        for name in ADDED:
            del config["model"]["grounding"][name]
        (run / "config.json").write_text(json.dumps(config))
    soup = json.loads((make_soup(runs, tmp_path / "soup") / "config.json").read_text())["model"]["grounding"]
    old = load_model(runs[0]).cfg.grounding
    for name, kept in ADDED.items():
        assert getattr(old, name) == kept and soup[name] == getattr(GroundingConfig(), name)


def test_runs_that_differ_only_in_a_grounding_switch_soup(tmp_path) -> None:
    """A check's switch is a policy setting, not architecture: runs that differ in one soup (the first run's stands)."""
    a, b = _run(tmp_path, "a", 0), _run(tmp_path, "b", 1)
    config = json.loads((b / "config.json").read_text())
    config["model"]["grounding"]["place_apart"] = not config["model"]["grounding"]["place_apart"]
    (b / "config.json").write_text(json.dumps(config))
    make_soup([a, b], tmp_path / "soup")
    channels = dict(config, model=dict(config["model"], grounding=dict(config["model"]["grounding"], channels=8)))
    (b / "config.json").write_text(json.dumps(channels))
    with pytest.raises(ValueError, match="architectures"):
        make_soup([a, b], tmp_path / "soup2")
