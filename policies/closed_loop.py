"""LoHoVLA's Algorithm 1: when a hierarchical policy plans a new sub-task and when it only acts again.

Plan at t = 0 and after a step that earned reward (the sub-task is done); after a failed step keep the cached
sub-task and predict only a new action, unless the strategy says to re-plan:

    never      re-plan only at t = 0 and after success (a failed sub-task is retried forever)
    always     re-plan at every step (after every failure)
    threshold  re-plan after more than K failed tries of the same sub-task (K = 2 by default)
    evidence   threshold, and re-plan at once after a failed try that visibly carried the sub-task out (the
               block left the pick point and something arrived at the place point: step_evidence.py), since
               retrying a sub-task that was done and earned nothing cannot earn anything either

`FailedSubtasks` remembers what just failed, so a re-plan can write something else (lohovla/novel_plan.py).

Plain Python (no torch), so policies, the robot bridge and tests share one rule.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

STRATEGIES = ("never", "always", "threshold", "evidence")


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

    def restart(self) -> None:
        """A sub-task was planned outside `should_plan` (the policy found the kept one already done): count afresh."""
        self.failures, self.planned = 0, True

    def should_plan(self, step: int, reward: float, carried_out: bool = False) -> bool:
        """Call once per decision with the feedback of the previous step (step 0: the episode start); `carried_out`:
        that step's action visibly moved a block from its pick point to its place point (read only by `evidence`).

        Updates the failure count and returns whether to plan now; planning resets the count.
        """
        if step == 0 or not self.planned or reward > 0:
            plan = True
        else:
            self.failures += 1
            counted = self.strategy in ("threshold", "evidence") and self.failures > self.k
            evidence = self.strategy == "evidence" and carried_out
            plan = self.strategy == "always" or counted or evidence
        if plan:
            self.failures, self.planned = 0, True
        return plan


@dataclass
class FailedSubtasks:
    """What a re-plan should not write again: the last `keep` sub-tasks that failed since the last rewarded step,
    and, for the whole episode, every sub-task that was done as written (carried out, step_evidence.py, and its
    block where the text said) and earned nothing.

    A greedy planner shown the same scene writes the same sub-task, so re-planning after K failures alone can stall
    on a wrong one; `keep=0` is Algorithm 1 as published (nothing avoided). A sub-task done without reward stays
    wrong after other sub-tasks earn theirs: the odd-numbered colour on put-even-blocks-in-same-color-zone, a pair
    already stacked. `avoid` is what the planner reads.
    """

    keep: int = 1
    recent: list = field(default_factory=list)
    spent: set = field(default_factory=set)  # done as written, unrewarded: avoided for the rest of the episode

    def __post_init__(self) -> None:
        if self.keep < 0:
            raise ValueError("keep must be >= 0")

    def reset(self) -> None:
        self.recent.clear()
        self.spent.clear()

    @property
    def avoid(self) -> set:
        return set(self.recent) | self.spent

    def update(self, subtask: Hashable, step: int, reward: float, spent: bool = False) -> None:
        """Feedback of the step that tried `subtask` (None or empty: nothing planned yet); `spent`: that step did
        the sub-task as written (the policy reads that from the heightmaps) and it earned nothing."""
        if step == 0:
            self.reset()
        elif reward > 0:
            self.recent.clear()
        elif subtask and self.keep:
            if subtask in self.recent:
                self.recent.remove(subtask)
            self.recent = [*self.recent, subtask][-self.keep :]
            if spent:
                self.spent.add(subtask)
