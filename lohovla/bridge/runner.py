"""The robot-side episode loop: observe, build the heightmap, ask the policy, check, execute, repeat.

Numpy, pyzmq and msgpack only. The heightmap comes from `fuse_heightmaps`, the same function the
simulator uses, with the bounds and pixel size the server announced. Every command passes the safety
layer. While waiting for the policy the watchdog is armed; a missed deadline is reported at once
(logged and kept in `faults`) and the request is retried (same id) until the server answers again or
`max_outage_s` runs out, so an episode survives a server restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from lohovla.bridge.client import DeadlineExceeded, PolicyClient
from lohovla.bridge.protocol import BridgeError
from lohovla.bridge.robot import Robot
from lohovla.bridge.safety import Refusal, SafeRobot, Workspace
from lohovla.bridge.watchdog import Watchdog
from lohovla.envs.heightmap import fuse_heightmaps, heightmap_shape

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RunnerConfig:
    """Fault handling: how long the policy may be silent before the robot stops, and before giving up."""

    watchdog_s: float = 3.0
    max_outage_s: float = 120.0
    home: bool = True


@dataclass
class Fault:
    """Something that went wrong, seconds after the episode started."""

    t: float
    kind: str  # "deadline", "session_restored", "watchdog_stop", "gave_up"
    detail: str


@dataclass
class BridgeEpisode:
    """One episode as the robot saw it; `score`/`success` only when the robot reports them (sim)."""

    goal: str
    subtasks: list[str] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    done: bool = False
    score: float | None = None
    success: bool | None = None

    @property
    def steps(self) -> int:
        return len(self.actions)


def run_episode(
    robot: Robot,
    client: PolicyClient,
    goal: str,
    *,
    max_steps: int | None = None,
    workspace: Workspace | None = None,
    config: RunnerConfig = RunnerConfig(),
    on_fault: Callable[[Fault], None] | None = None,
) -> BridgeEpisode:
    """Drive `robot` with the policy behind `client` until done or `max_steps` commands.

    max_steps None: the robot's own limit (`info["max_steps"]`, the simulator's), else 50.
    """
    safe = robot if isinstance(robot, SafeRobot) else SafeRobot(robot, workspace or Workspace())
    episode = BridgeEpisode(goal=goal, refusals=safe.refusals)
    start = time.monotonic()

    def report(kind: str, detail: str) -> None:
        fault = Fault(time.monotonic() - start, kind, detail)
        episode.faults.append(fault)
        log.warning("%s after %.2fs: %s", kind, fault.t, detail)
        if on_fault is not None:
            on_fault(fault)

    def stop_robot() -> None:
        report("watchdog_stop", f"policy silent for over {config.watchdog_s}s; robot stopped")
        safe.stop()

    with Watchdog(config.watchdog_s, stop_robot) as dog:

        def ask(request: Callable[[bool], T]) -> T:
            """Run a request until answered; deadline misses are reported and retried."""
            dog.arm()
            began, retry, sessions = time.monotonic(), False, client.reconnects
            try:
                while True:
                    try:
                        answer = request(retry)
                        break
                    except DeadlineExceeded as exc:
                        report("deadline", str(exc))
                        if time.monotonic() - began > config.max_outage_s:
                            report("gave_up", f"no policy for {config.max_outage_s}s")
                            safe.stop()
                            raise
                        retry = True
            except BridgeError:
                safe.stop()
                raise
            finally:
                dog.disarm()
            dog.feed()
            if client.reconnects != sessions:
                report("session_restored", "server answered again; new session with the same goal")
            return answer

        meta = client.metadata or ask(lambda retry: client.connect())
        bounds, pixel_size = np.asarray(meta["bounds"], dtype=np.float64), float(meta["pixel_size"])
        if list(heightmap_shape(bounds, pixel_size)) != list(meta["image_shape"]):
            raise BridgeError("bad_metadata", "server's bounds and pixel size do not give its image shape")
        if config.home:
            safe.home()
        ask(lambda retry: client.reset(goal))
        obs = safe.observe()
        limit = max_steps if max_steps is not None else int(obs.info.get("max_steps", 50))
        feedback: dict[str, Any] = {"step": 0, "reward": 0.0, "done": False, "info": obs.info}
        while episode.steps < limit and not episode.done:
            color, height = fuse_heightmaps(obs.frames, bounds, pixel_size)
            color, height = color.astype(np.uint8, copy=False), height.astype(np.float32, copy=False)
            step = ask(lambda retry, c=color, h=height, f=feedback: client.act(c, h, f, retry=retry))
            result = safe.execute(step.pick, step.place)
            episode.subtasks.append(step.subtask)
            episode.actions.append(step.action)
            episode.rewards.append(float(result.reward))
            episode.timings.append({"rtt_ms": client.last_rtt_ms, **step.timings})
            episode.done = bool(result.done)
            if "score" in result.info:
                episode.score = float(result.info["score"])
                episode.success = bool(result.info.get("success", False))
            obs = safe.observe()
            info = dict(obs.info)
            if result.refused:
                info["safety"] = {"refused": True, "reasons": result.reasons}
            feedback = {"step": episode.steps, "reward": float(result.reward), "done": episode.done, "info": info}
        if config.home:
            safe.home()
    return episode
