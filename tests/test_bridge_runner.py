"""The robot-side loop: fake robot + server; unsafe actions are refused; kill -9 of the server mid-episode."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest
import zmq

from lohovla.bridge.client import PolicyClient
from lohovla.bridge.runner import RunnerConfig, run_episode
from lohovla.bridge.server import serving
from lohovla.bridge.testing import FakeRobot, PeakPolicy, spawn_server
from lohovla.envs.heightmap import fuse_heightmaps
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.policies.base import Action, Feedback, Step

Q = np.array([0.0, 0.0, 0.0, 1.0])


def test_episode_with_a_fake_robot_matches_the_policy_in_process() -> None:
    robot, reference = FakeRobot(done_after=3), FakeRobot(done_after=3)
    policy = PeakPolicy()
    policy.reset("tidy up")
    expected = []
    for i in range(3):  # the same loop in-process, for comparison
        color, height = fuse_heightmaps(reference.observe().frames, BOUNDS, PIXEL_SIZE)
        step = policy.act({"color": color, "height": height.astype(np.float32)}, Feedback(step=i))
        expected.append((step.subtask, np.concatenate([*step.action.pick, *step.action.place])))
        reference.execute(step.action.pick, step.action.place)
    with serving(PeakPolicy()) as server, PolicyClient(server.endpoint, "fake") as client:
        episode = run_episode(robot, client, "tidy up")
    assert episode.done and episode.steps == 3 and robot.homes == 2 and not episode.faults
    assert episode.subtasks == [s for s, _ in expected]
    for got, (_, want) in zip(episode.actions, expected):
        np.testing.assert_array_equal(got, want)
    assert all(t["rtt_ms"] >= t["server_ms"] > 0 for t in episode.timings)


class Reckless:
    """Sends NaN, then a pose under the table, then outside the box, then a good one; records feedback."""

    name = "reckless"
    seen: list[dict] = []

    def reset(self, goal: str) -> None:
        pass

    def act(self, obs: dict, feedback: Feedback) -> Step:
        Reckless.seen.append(feedback.info)
        good = (np.array([0.5, 0.1, 0.02]), Q)
        bad = [
            (np.array([np.nan, 0.0, 0.02]), Q),
            (np.array([0.5, 0.0, -0.05]), Q),
            (np.array([0.9, 0.0, 0.02]), Q),
            good,
        ][min(feedback.step, 3)]
        return Step(f"try {feedback.step}", Action(good, bad))

    def fork(self) -> Reckless:
        return self


def test_an_unsafe_action_never_reaches_the_robot() -> None:
    robot = FakeRobot(done_after=1)
    Reckless.seen = []
    with serving(Reckless()) as server, PolicyClient(server.endpoint, "fake") as client:
        episode = run_episode(robot, client, "anything", max_steps=6)
    assert episode.steps == 4 and episode.done
    assert len(robot.executed) == 1 and np.isfinite(robot.executed[0][1][0]).all()
    assert [r.step for r in episode.refusals] == [1, 2, 3]
    assert "NaN" in episode.refusals[0].reasons[0] and "below the table" in episode.refusals[1].reasons[0]
    assert "outside the workspace" in episode.refusals[2].reasons[0]
    assert Reckless.seen[1]["safety"]["refused"] and "NaN" in Reckless.seen[1]["safety"]["reasons"][0]
    assert "safety" not in Reckless.seen[0]


def free_port() -> int:
    with zmq.Context() as ctx, ctx.socket(zmq.ROUTER) as probe:
        return probe.bind_to_random_port("tcp://127.0.0.1")


def test_kill_9_mid_episode_then_restart(tmp_path) -> None:
    port = free_port()
    endpoint, log = f"tcp://127.0.0.1:{port}", tmp_path / "serve.log"
    deadline_s, watchdog_s, outage_s = 0.5, 1.0, 2.5
    server = spawn_server("peak", endpoint, log)
    killed_at: list[float] = []
    restarted: list[subprocess.Popen] = []

    def restart() -> None:
        time.sleep(outage_s)
        restarted.append(spawn_server("peak", endpoint, log))

    def kill_after_second_step(executed: int) -> None:
        if executed == 2:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()
            killed_at.append(time.monotonic())
            threading.Thread(target=restart, daemon=True).start()

    robot = FakeRobot(done_after=5, on_execute=kill_after_second_step)
    faults: list[tuple[float, str]] = []
    config = RunnerConfig(watchdog_s=watchdog_s, max_outage_s=30.0)
    try:
        with PolicyClient(endpoint, "fake", deadline_s=deadline_s) as client:
            episode = run_episode(
                robot, client, "keep going", config=config, on_fault=lambda f: faults.append((time.monotonic(), f.kind))
            )
    finally:
        for proc in [server, *restarted]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
    kinds = [k for _, k in faults]
    assert episode.done and episode.steps == 5 and len(robot.executed) == 5  # the episode went on
    first_deadline = next(t for t, k in faults if k == "deadline")
    assert first_deadline - killed_at[0] < deadline_s + 0.5  # reported within the request's deadline
    stop_at = next(t for t, k in faults if k == "watchdog_stop")
    assert robot.stops >= 1 and watchdog_s - 0.1 < stop_at - killed_at[0] < watchdog_s + 0.6
    assert kinds.index("watchdog_stop") < kinds.index("session_restored")
    assert kinds.count("session_restored") == 1 and client.reconnects == 1


def test_gives_up_after_max_outage() -> None:
    robot = FakeRobot()
    config = RunnerConfig(watchdog_s=0.2, max_outage_s=0.5)
    with PolicyClient(f"tcp://127.0.0.1:{free_port()}", "fake", deadline_s=0.2) as client, pytest.raises(TimeoutError):
        run_episode(robot, client, "g", config=config)
    assert robot.executed == [] and robot.stops >= 1
