"""Keep what a policy decided at each step (and the observation it saw), without changing the policy.

`TracingPolicy` wraps any `Policy`: act() passes through and the Step is kept, so videos and explanation
images can show the sub-task, the chosen points, the score maps and the grounding checks that intervened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lohovla.policies.base import Feedback, Policy, Step


@dataclass
class StepTrace:
    """One decision as a viewer needs it."""

    subtask: str
    pick: np.ndarray  # xyz (m)
    place: np.ndarray  # xyz (m)
    replanned: bool
    interventions: list[str] = field(default_factory=list)
    explain: dict[str, Any] = field(default_factory=dict)
    color: np.ndarray | None = None  # the observation's heightmap colour (H, W, 3)
    height: np.ndarray | None = None  # and height (H, W), metres


class TracingPolicy:
    """A pass-through `Policy` that records every Step in `steps` (cleared by reset)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.name = getattr(policy, "name", type(policy).__name__)
        self.steps: list[StepTrace] = []

    def reset(self, goal: str) -> None:
        self.steps = []
        self.policy.reset(goal)

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        step = self.policy.act(obs, feedback)
        self.steps.append(
            StepTrace(
                subtask=step.subtask,
                pick=np.asarray(step.action.pick[0], dtype=np.float64),
                place=np.asarray(step.action.place[0], dtype=np.float64),
                replanned=bool(step.replanned),
                interventions=list(getattr(step, "interventions", None) or []),
                explain=dict(getattr(step, "explain", None) or {}),
                color=np.asarray(obs["color"]).copy(),
                height=np.asarray(obs["height"]).copy(),
            )
        )
        return step

    def fork(self) -> TracingPolicy:
        return TracingPolicy(self.policy.fork())

    def __getattr__(self, name: str) -> Any:  # anything else (decode_cfg, model, ...) is the wrapped policy's
        return getattr(self.policy, name)
