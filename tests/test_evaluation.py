"""lohovla-eval's loop: per-task aggregates, and one episode's exception not costing the others' results."""

from __future__ import annotations

from typing import Any

import pytest

from lohovla.evaluation.evaluate import crashed_episodes, evaluate
from lohovla.evaluation.report import results_markdown
from lohovla.policies.base import Feedback, Step
from lohovla.policies.oracle import OraclePolicy

TASK = "pick-and-place-primitive"


class _CrashesOnSecondEpisode(OraclePolicy):
    """The oracle, except that its second episode raises at the first decision (a policy bug)."""

    def __init__(self) -> None:
        super().__init__()
        self.episodes = 0

    def reset(self, goal: str) -> None:
        super().reset(goal)
        self.episodes += 1

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        if self.episodes == 2:
            raise RuntimeError("non-finite action")
        return super().act(obs, feedback)


def test_the_oracle_solves_the_primitive() -> None:
    result = evaluate(OraclePolicy(), tasks=TASK, episodes=2, progress=False)
    row = result.per_task[TASK]
    assert row["episodes"] == 2 and row["success_rate"] == 100.0 and row["crashed"] == 0
    assert not crashed_episodes(result)


def test_an_episode_that_raises_is_a_failure_and_the_rest_run_on() -> None:
    result = evaluate(_CrashesOnSecondEpisode(), tasks=TASK, episodes=3, progress=False)
    row = result.per_task[TASK]
    assert row["episodes"] == 3 and row["crashed"] == 1
    assert row["success_rate"] == pytest.approx(200 / 3)  # the other two still solved
    (crashed,) = crashed_episodes(result)
    assert crashed["crashed"] == "RuntimeError: non-finite action" and not crashed["success"]
    assert "1 episode(s) raised" in results_markdown(result)
