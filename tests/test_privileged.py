"""Privileged state: only a policy that declares it (the oracle) reads the simulator's info; the rest see what a
real robot reports (step, reward, done). Checked through rollout and evaluation with the shipped learned policy."""

from __future__ import annotations

from typing import Any

import pytest

import lohovla
from lohovla.policies.base import Feedback, Step, is_privileged, visible_info

TASK = "put-block-into-matching-bowl"
PRIVILEGED_KEYS = {"oracle", "objects", "valid_subtasks"}


class Spy:
    """Wraps a policy, records every feedback it is given; privileged exactly when the wrapped policy is."""

    def __init__(self, inner: Any, seen: list[Feedback] | None = None) -> None:
        self.inner, self.name = inner, inner.name
        self.seen: list[Feedback] = [] if seen is None else seen

    @property
    def privileged(self) -> bool:
        return is_privileged(self.inner)

    def reset(self, goal: str) -> None:
        self.inner.reset(goal)

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        self.seen.append(feedback)
        return self.inner.act(obs, feedback)

    def fork(self) -> Spy:
        return Spy(self.inner.fork(), self.seen)


def test_visible_info_keeps_only_public_entries_for_an_ordinary_policy() -> None:
    info = {"oracle": {"subtask": "x"}, "objects": [1], "safety": {"refused": True}, "score": 50.0}
    assert visible_info(object(), info) == {"safety": {"refused": True}}
    assert visible_info(lohovla.load_policy("oracle"), info) is info
    assert visible_info(object(), None) == {}


def test_the_learned_policy_never_sees_privileged_state() -> None:
    learned = lohovla.load_policy("lohovla-tiny")
    assert not is_privileged(learned)
    spy = Spy(learned)
    env = lohovla.make_env(TASK, split="val")
    try:
        ep = lohovla.run_episode(spy, env, seed=1)
    finally:
        env.close()
    assert len(spy.seen) == ep.steps >= 1
    assert all(fb.info == {} for fb in spy.seen)
    assert [fb.step for fb in spy.seen] == list(range(ep.steps))  # step, reward, done still arrive
    assert spy.seen[0].reward == 0.0 and not spy.seen[0].done


def test_evaluation_hands_the_oracle_its_state_and_the_learned_policy_none() -> None:
    oracle = Spy(lohovla.load_policy("oracle"))
    result = lohovla.evaluate(oracle, tasks=[TASK], split="val", episodes=1, progress=False)
    assert result.per_task[TASK]["success_rate"] == pytest.approx(100.0)
    assert oracle.seen and all(set(fb.info) >= PRIVILEGED_KEYS for fb in oracle.seen)
    learned = Spy(lohovla.load_policy("lohovla-tiny"))
    lohovla.evaluate(learned, tasks=[TASK], split="val", episodes=1, progress=False)
    assert learned.seen and all(fb.info == {} for fb in learned.seen)
