"""LoHoVLA's Algorithm 1: when a hierarchical policy plans a new sub-task and when it only acts again.

Plan at t = 0 and after a step that earned reward (the sub-task is done); after a failed step keep the cached
sub-task and predict only a new action, unless the strategy says to re-plan:

    never      re-plan only at t = 0 and after success (a failed sub-task is retried forever)
    always     re-plan at every step (after every failure)
    threshold  re-plan after more than K failed tries of the same sub-task (K = 2 by default)

`FailedSubtasks` remembers what just failed, so a re-plan can write something else (policies/lohovla/novel_plan.py).

Plain Python (no torch), so policies, the robot bridge and tests share one rule.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

STRATEGIES = ("never", "always", "threshold")


@dataclass
class ReplanRule:
    strategy: str = "threshold"
    k: int = 2
    failures: int = 0  # failed tries of the current sub-task
    planned: bool = False  # a sub-task exists in this episode

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown re-planning strategy {self.strategy!r}; expected one of {STRATEGIES}")
        if self.k < 0:
            raise ValueError("K must be >= 0")

    def reset(self) -> None:
        self.failures, self.planned = 0, False

    def should_plan(self, step: int, reward: float) -> bool:
        """Call once per decision with the feedback of the previous step (step 0: the episode start).

        Updates the failure count and returns whether to plan now; planning resets the count.
        """
        if step == 0 or not self.planned or reward > 0:
            plan = True
        else:
            self.failures += 1
            plan = self.strategy == "always" or (self.strategy == "threshold" and self.failures > self.k)
        if plan:
            self.failures, self.planned = 0, True
        return plan


@dataclass
class FailedSubtasks:
    """The last `keep` sub-tasks that failed since the last rewarded step: what a re-plan should not write again.

    A greedy planner shown the same scene writes the same sub-task, so re-planning after K failures alone can stall
    on a wrong one; `keep=0` is Algorithm 1 as published.
    """

    keep: int = 1
    recent: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.keep < 0:
            raise ValueError("keep must be >= 0")

    def reset(self) -> None:
        self.recent.clear()

    def update(self, subtask: Hashable, step: int, reward: float) -> None:
        """Feedback of the step that tried `subtask` (None or empty: nothing planned yet)."""
        if step == 0 or reward > 0:
            self.recent.clear()
        elif subtask and self.keep:
            if subtask in self.recent:
                self.recent.remove(subtask)
            self.recent = [*self.recent, subtask][-self.keep :]
