"""The grounding layer as a whole: switched off it is the model alone, switched on every step names the checks
that changed it, and its settings travel whole with the checkpoint."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields

import numpy as np
import pytest

import lohovla
from lohovla.policies.base import Feedback
from lohovla.policies.lohovla.grounding_config import ADDED, CHECKS, GroundingConfig, switch_off
from lohovla.policies.lohovla.policy import LoHoVLAPolicy
from lohovla.policy_loading import SHIPPED_DIR

SWITCHES = ("avoid_failed", "object_check", "object_kind", "size_mask", "place_apart", "noop_replans", "noop_retry")


def test_every_check_has_a_switch_and_off_turns_them_all_off() -> None:
    names = {f.name for f in fields(GroundingConfig)}
    assert set(SWITCHES) <= names
    assert {s.rstrip("s") if s == "noop_replans" else s for s in SWITCHES} == set(CHECKS)
    off = GroundingConfig(colors=("red",)).off()
    assert not any(getattr(off, s) for s in SWITCHES) and off.colors == ("red",) and not off.grounds_actions


def test_shipped_checkpoints_hold_every_grounding_key() -> None:
    for name in ("lohovla-tiny", "vanilla-tiny"):
        saved = json.loads((SHIPPED_DIR / name / "config.json").read_text())["model"]["grounding"]
        assert set(saved) == {f.name for f in fields(GroundingConfig)}, name


@pytest.mark.parametrize("change", ["missing", "unknown"])
def test_loading_refuses_a_grounding_section_with_missing_or_unknown_keys(tmp_path, change: str) -> None:
    ckpt = tmp_path / "ckpt"
    shutil.copytree(SHIPPED_DIR / "lohovla-tiny", ckpt)
    config = json.loads((ckpt / "config.json").read_text())
    if change == "missing":
        del config["model"]["grounding"]["place_apart"]
    else:
        config["model"]["grounding"]["hard_zone"] = True
    (ckpt / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=f"{change} .*(place_apart|hard_zone)"):
        lohovla.load_policy(str(ckpt))


def test_a_checkpoint_saved_before_a_setting_loads_with_its_old_behaviour(tmp_path) -> None:
    ckpt = tmp_path / "ckpt"
    shutil.copytree(SHIPPED_DIR / "lohovla-tiny", ckpt)
    config = json.loads((ckpt / "config.json").read_text())
    for name in ADDED:
        config["model"]["grounding"].pop(name, None)
    (ckpt / "config.json").write_text(json.dumps(config))
    g = lohovla.load_policy(str(ckpt)).g
    assert ADDED and all(getattr(g, k) == v for k, v in ADDED.items())
    assert g.object_kind is False


@pytest.fixture(scope="module")
def shipped():
    return lohovla.load_policy("lohovla-tiny")


def _first_step(shipped, task: str = "pick-and-place-primitive", **kwargs):
    policy = LoHoVLAPolicy(shipped.model, **kwargs)
    env = lohovla.make_env(task, split="test", mode="fast")
    obs, info = env.reset(seed=10001)
    policy.reset(obs["goal"])
    step = policy.act(obs, Feedback(step=0, reward=0.0, info=info))
    env.close()
    return policy, step


def test_grounding_off_is_the_model_alone(shipped) -> None:
    task = "stack-smaller-over-bigger-with-same-color"  # "the smaller ... on the bigger ...": sizes to mask
    policy, step = _first_step(shipped, task, grounding=False)
    assert policy.rule.strategy == "threshold" and policy.rule.k == 2 and policy.failed.keep == 0
    assert step.interventions == []
    _, on = _first_step(shipped, task, grounding={"size_mask": True})  # its switch is off in what ships
    assert on.subtask == step.subtask  # the plan checks leave this sub-task alone
    assert "size_mask" in on.interventions  # the size mask moved the grounded policy's pick or place
    assert not np.array_equal(on.action.as_array(), step.action.as_array())


def test_a_step_explains_itself_in_heightmap_pixels(shipped) -> None:
    _, step = _first_step(shipped)
    for key in ("pick_scores", "place_scores"):
        scores = step.explain[key]
        assert scores.shape == (320, 160) and scores.dtype == np.float32 and scores.min() >= 0
    r, c = step.explain["pick_px"]
    assert step.explain["pick_scores"][r, c] > 0  # the pick lies where the grounded map allows
    assert "subtask_before_checks" not in step.explain  # no check rewrote this sub-task


def test_switch_off_turns_one_check_off_and_together_they_are_off() -> None:
    every = GroundingConfig(colors=("red",), size_mask=True, object_kind=True)  # every check on
    settings = {}
    for check in CHECKS:
        one = switch_off(check)
        changed = {s for s in SWITCHES if getattr(every.with_overrides(one), s) != getattr(every, s)}
        assert changed == set(one), check  # exactly its own switch moves
        settings |= one
    assert every.with_overrides(settings) == every.off()
    with pytest.raises(KeyError, match="unknown check"):
        switch_off("color_floor")  # retired
