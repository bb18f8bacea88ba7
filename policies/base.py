"""The policy protocol: what every policy (oracle, LoHoVLA, vanilla VLA, remote) looks like to the loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

#: A pose: position xyz (metres) and orientation quaternion xyzw.
Pose = tuple[np.ndarray, np.ndarray]


@dataclass
class Action:
    """One pick-and-place primitive: where the suction cup picks, and where it places."""

    pick: Pose
    place: Pose

    def to_env(self) -> dict[str, Pose]:
        """The env's action format: {"pick": (xyz, quat_xyzw), "place": (xyz, quat_xyzw)}."""
        return {"pick": self.pick, "place": self.place}

    def as_array(self) -> np.ndarray:
        """Flat float32 layout [pick xyz, pick quat, place xyz, place quat] (14 numbers)."""
        return np.concatenate([*self.pick, *self.place]).astype(np.float32)

    @classmethod
    def from_array(cls, values: np.ndarray) -> Action:
        v = np.asarray(values, dtype=np.float64).reshape(14)
        return cls(pick=(v[0:3], v[3:7]), place=(v[7:10], v[10:14]))

    @classmethod
    def from_env(cls, action: dict[str, Any]) -> Action:
        def pose(p: Any) -> Pose:
            return (np.asarray(p[0], dtype=np.float64), np.asarray(p[1], dtype=np.float64))

        return cls(pick=pose(action["pick"]), place=pose(action["place"]))


@dataclass
class Feedback:
    """What the loop tells the policy about the last step (first call: step 0, reward 0).

    `info` is what the robot reports beyond step, reward and done. A policy sees the simulator's
    privileged entries (oracle, object poses, valid sub-tasks) only if it declares `privileged = True`
    (the oracle); every other policy gets what a real robot could report (see `visible_info`).
    """

    step: int = 0
    reward: float = 0.0
    done: bool = False
    info: dict[str, Any] = field(default_factory=dict)


#: The info entries a real robot reports too (the bridge runner's safety refusals); everything else the
#: simulator puts in its info dict is privileged.
PUBLIC_INFO_KEYS = ("safety",)


def is_privileged(policy: object) -> bool:
    """Whether `policy` declared (class attribute `privileged = True`) that it reads the simulator's state."""
    return bool(getattr(policy, "privileged", False))


def visible_info(policy: object, info: dict[str, Any] | None) -> dict[str, Any]:
    """The part of `info` that `policy` may read: all of it if privileged, else only the public entries.

    Keeps a learned policy honest in simulation: it can never lean on state a real robot cannot send.
    """
    info = info or {}
    if is_privileged(policy):
        return info
    return {key: info[key] for key in PUBLIC_INFO_KEYS if key in info}


@dataclass
class Step:
    """A policy's decision: the sub-task it pursues, the action, and how long each part took (ms)."""

    subtask: str
    action: Action
    timings: dict[str, float] = field(default_factory=dict)
    replanned: bool = True
    #: Names of the grounding checks that changed this step's sub-task or action (empty: the model's own proposal).
    interventions: list[str] = field(default_factory=list)
    #: What a viewer needs to see why (e.g. "pick_scores"/"place_scores" HxW maps in heightmap pixels); may be empty.
    explain: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Policy(Protocol):
    """reset(goal) at the start of an episode, then act(obs, feedback) once per primitive step.

    A policy holds the state of one episode. fork() gives another policy that shares the heavy parts
    (model weights) but has its own episode state: one per robot client, or per env in a batch.
    """

    name: str

    def reset(self, goal: str) -> None: ...

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step: ...

    def fork(self) -> Policy: ...
