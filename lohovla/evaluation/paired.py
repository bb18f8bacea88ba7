"""Two runs on the same seeds, episode for episode: which episodes one wins that the other loses, and an exact
sign test on them. Far sharper than comparing two rates when both runs met the same scenes (the unpaired intervals
of compare.py ignore that): a change that wins 55 episodes and loses 26 of 1,100 is clear even where no task's rate
moves past its noise."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Paired:
    shared: int  # episodes (task, seed) in both runs
    won: int  # successes of the second run that the first failed
    lost: int  # failures of the second run that the first succeeded

    @property
    def p_value(self) -> float:
        """Two-sided exact sign test of won vs lost (ties, where both runs agree, carry no information)."""
        return sign_test(self.won, self.lost)


def sign_test(won: int, lost: int) -> float:
    """P(an outcome at least as uneven as won:lost) when each discordant episode is a fair coin."""
    n = won + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(won, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)


def episodes_by_key(payload: dict) -> dict[tuple[str, int], bool]:
    """(task, seed) -> success, from a lohovla-eval results.json."""
    return {(str(e["task"]), int(e["seed"])): bool(e["success"]) for e in payload.get("episodes", [])}


def paired(before: dict, after: dict, task: str | None = None) -> Paired:
    """Episodes both runs played (of `task`, or all), compared one for one."""
    a, b = episodes_by_key(before), episodes_by_key(after)
    keys = [k for k in a.keys() & b.keys() if task is None or k[0] == task]
    return Paired(
        shared=len(keys),
        won=sum(b[k] and not a[k] for k in keys),
        lost=sum(a[k] and not b[k] for k in keys),
    )
