"""Algorithm 1 (when to plan) on its own and inside the LoHoVLA policy; a closed-loop episode in the simulator."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _model_fixtures import micro_config, random_obs

from lohovla.policies.base import Feedback, Policy
from lohovla.policies.closed_loop import ReplanRule
from lohovla.policies.lohovla.loading import build_model, save_checkpoint
from lohovla.policies.lohovla.policy import LoHoVLAPolicy


def _plans(rule: ReplanRule, rewards: list[float]) -> list[bool]:
    """Plan decisions for steps 0..n given the reward each step earned (reward[i] is fed back before step i+1)."""
    rule.reset()
    out = [rule.should_plan(0, 0.0)]
    for i, r in enumerate(rewards[:-1]):
        out.append(rule.should_plan(i + 1, r))
    return out


def test_threshold_replans_after_more_than_k_failures_and_after_success() -> None:
    rewards = [0, 0, 0, 0, 0.5, 0, 0]
    assert _plans(ReplanRule("threshold", 2), rewards) == [True, False, False, True, False, True, False]
    assert _plans(ReplanRule("threshold", 0), [0, 0, 0]) == [True, True, True]


def test_restart_counts_failures_afresh() -> None:
    rule = ReplanRule("threshold", 1)
    assert rule.should_plan(0, 0.0) and not rule.should_plan(1, 0.0)
    rule.restart()  # the policy planned on its own (the kept sub-task was done): one more failure is allowed
    assert not rule.should_plan(2, 0.0) and rule.should_plan(3, 0.0)


def test_never_and_always() -> None:
    rewards = [0, 0, 0, 0, 0.5, 0]
    assert _plans(ReplanRule("never"), rewards) == [True, False, False, False, False, True]
    assert _plans(ReplanRule("always"), rewards) == [True] * 6
    with pytest.raises(ValueError):
        ReplanRule("sometimes")


@pytest.fixture(scope="module")
def micro_model():
    torch.manual_seed(0)
    return build_model(micro_config())


def test_policy_marks_replanned_only_on_planning_steps(micro_model) -> None:
    policy = LoHoVLAPolicy(micro_model, replan="threshold", k=1)
    assert isinstance(policy, Policy)
    policy.reset("stack blocks of the same size.")
    flags, subtasks = [], []
    for step, reward in enumerate([0.0, 0.0, 0.0, 0.0, 1.0]):
        s = policy.act(random_obs(step, "stack blocks of the same size."), Feedback(step=step, reward=reward))
        flags.append(s.replanned)
        subtasks.append(s.subtask)
        assert (s.timings["plan_ms"] > 0) == s.replanned
        a = s.action.as_array()
        assert a.shape == (14,) and np.isfinite(a).all()
        assert 0.25 <= a[0] <= 0.75 and -0.5 <= a[1] <= 0.5
    assert flags == [True, False, True, False, True]
    assert subtasks[1] == subtasks[0]  # kept, not re-decoded
    other = policy.fork()
    assert other.model is policy.model and other.rule is not policy.rule


def test_vanilla_policy_never_plans() -> None:
    torch.manual_seed(0)
    policy = LoHoVLAPolicy(build_model(micro_config(use_subtask=False)))
    policy.reset("put the blocks in the bowls with matching colors.")
    s = policy.act(random_obs(0, "stack blocks of the same size."), Feedback())
    assert not s.replanned and s.subtask == "" and s.timings["plan_ms"] == 0.0


def test_closed_loop_episode_in_the_simulator(micro_model, tmp_path) -> None:
    import lohovla

    save_checkpoint(micro_model, str(tmp_path / "ckpt"))
    policy = lohovla.load_policy(str(tmp_path / "ckpt"), replan="always")
    env = lohovla.make_env("pick-and-place-primitive", split="test")
    ep = lohovla.run_episode(policy, env, seed=10001)
    env.close()
    assert ep.steps >= 1 and ep.replans == ep.steps == len(ep.plan_correct)
    assert not ep.errors  # every action lies inside the workspace
