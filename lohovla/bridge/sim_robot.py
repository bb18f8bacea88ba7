"""The PyBullet simulator behind the `Robot` interface, so the real-robot loop can be tested end to end.

It hands out the env's own camera frames (the client builds the heightmap from them, as it would from
real cameras) and, unlike a real robot, the env's info as feedback: that includes the oracle's
privileged next step and the score, so the oracle can drive it through the bridge and an episode can
be compared with the same seed run in-process.
"""

from __future__ import annotations

from typing import Any

from lohovla.bridge.robot import ExecuteResult, Pose, RobotObservation
from lohovla.bridge.wire import to_plain


class SimRobot:
    """One simulated robot; `start(seed)` builds the scene and returns the goal."""

    def __init__(self, task: str, split: str = "test", mode: str = "fast", **env_kwargs: Any) -> None:
        import lohovla  # pybullet lives behind this; the robot-side modules never import it

        self.env = lohovla.make_env(task, split=split, mode=mode, **env_kwargs)
        self.info: dict[str, Any] = {}
        self.stops = 0

    def start(self, seed: int) -> str:
        obs, info = self.env.reset(seed=seed)
        self.info = to_plain(info)
        return str(obs["goal"])

    def observe(self) -> RobotObservation:
        return RobotObservation(self.env.unwrapped.camera_frames(), self.info)

    def execute(self, pick: Pose, place: Pose) -> ExecuteResult:
        _, reward, terminated, truncated, info = self.env.step({"pick": pick, "place": place})
        self.info = to_plain(info)
        return ExecuteResult(
            ok=not info.get("error"), done=bool(terminated or truncated), reward=float(reward),
            pick=pick, place=place, info=self.info,
        )  # fmt: skip

    def stop(self) -> None:
        """Nothing moves between primitives in the simulator; count the stop so tests can see it."""
        self.stops += 1

    def home(self) -> None:
        """The simulated arm parks itself after every primitive."""

    def close(self) -> None:
        self.env.close()
