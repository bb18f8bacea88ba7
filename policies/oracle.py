"""The oracle policy: replays the simulator's scripted expert, which sees the true object poses."""

from __future__ import annotations

from typing import Any

import numpy as np

from lohovla.policies.base import Action, Feedback, Step


class NoOracleStep(RuntimeError):
    """The scene has left every state the task's oracle can solve from (a tower fell, blocks left the workspace)."""


class OraclePolicy:
    """Reads the privileged `info["oracle"]` that the simulator (or the sim robot) sends as feedback.

    It only works in simulation: a real robot has no oracle to send, and act() says so.
    """

    name = "oracle"
    #: It reads the simulator's state, so the loop (rollout, bridge server) passes it the whole info dict.
    privileged = True

    def reset(self, goal: str) -> None:
        self.goal = goal

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        info = feedback.info or {}
        if "oracle" not in info:
            raise RuntimeError("the oracle needs the simulator's privileged info['oracle'] in the feedback")
        step = info["oracle"]
        if not step:
            raise NoOracleStep("the task's oracle has no step from this state (e.g. blocks knocked out of reach)")

        def pose(p):
            return np.asarray(p[0], dtype=np.float64), np.asarray(p[1], dtype=np.float64)

        return Step(
            subtask=step["subtask"],
            action=Action(pick=pose(step["pick"]), place=pose(step["place"])),
            timings={"plan_ms": 0.0, "action_ms": 0.0},
        )

    def fork(self) -> OraclePolicy:
        return OraclePolicy()
