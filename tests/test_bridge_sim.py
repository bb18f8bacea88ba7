"""End to end: the simulator behind the Robot interface, driven through the bridge, equals the in-process run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest
import zmq

import lohovla
from lohovla.bridge.client import PolicyClient
from lohovla.bridge.runner import RunnerConfig, run_episode
from lohovla.bridge.server import serving
from lohovla.bridge.sim_robot import SimRobot
from lohovla.bridge.testing import PeakPolicy, spawn_server
from lohovla.policies.base import Action, Feedback, Step

CASES = [
    ("put-block-into-matching-bowl", 10001),
    ("put-block-into-matching-bowl", 10003),
    ("put-block-into-mismatching-zone", 10005),
    ("put-hidden-blocks-in-two-layer-towers-into-matching-bowls", 10001),
]


def in_process(policy_name: str, task: str, seed: int):
    env = lohovla.make_env(task)
    try:
        return lohovla.run_episode(lohovla.load_policy(policy_name), env, seed)
    finally:
        env.close()


def assert_same(bridged, reference) -> None:
    assert bridged.subtasks == reference.subtasks
    assert bridged.steps == reference.steps
    for got, want in zip(bridged.actions, reference.actions):  # in-process keeps Action.as_array (float32)
        np.testing.assert_array_equal(np.asarray(got, dtype=np.float32), want)
    assert bridged.score == reference.score and bridged.success == reference.success


@pytest.mark.parametrize(("task", "seed"), CASES)
def test_oracle_through_the_bridge_equals_in_process(task: str, seed: int) -> None:
    reference = in_process("oracle", task, seed)
    robot = SimRobot(task)
    try:
        with serving(lohovla.load_policy("oracle")) as server, PolicyClient(server.endpoint, "sim") as client:
            episode = run_episode(robot, client, robot.start(seed))
    finally:
        robot.close()
    assert not episode.refusals and not episode.faults
    assert_same(episode, reference)


def test_an_image_driven_policy_sees_the_same_observation_through_the_bridge() -> None:
    """PeakPolicy acts on the heightmap alone: equal actions mean the robot-side heightmap is the env's, bit for bit."""
    task, seed = "put-block-into-matching-bowl", 10001
    env = lohovla.make_env(task)
    reference = lohovla.run_episode(PeakPolicy(), env, seed)
    env.close()
    robot = SimRobot(task)
    try:
        with serving(PeakPolicy()) as server, PolicyClient(server.endpoint, "sim") as client:
            episode = run_episode(robot, client, robot.start(seed))
    finally:
        robot.close()
    assert_same(episode, reference)


class Sampling(PeakPolicy):
    """Like a learned policy: an RNG seeded at reset, and closed-loop state (re-plan after a reward or 3 steps)."""

    def reset(self, goal: str) -> None:
        super().reset(goal)
        self.rng, self.plans, self.subtask = np.random.default_rng(7), 0, ""

    def act(self, obs: dict, feedback: Feedback) -> Step:
        step = super().act(obs, feedback)
        replan = feedback.reward > 0 or feedback.step % 3 == 0
        if replan:
            self.plans += 1
            self.subtask = f"plan {self.plans} after step {feedback.step}"
        pick = (step.action.pick[0] + self.rng.normal(0, 0.002, 3) * [1, 1, 0], step.action.pick[1])
        return Step(self.subtask, Action(pick, step.action.place), step.timings, replan)

    def fork(self) -> Sampling:
        return Sampling()


def test_a_stateful_sampling_policy_through_the_bridge_equals_in_process() -> None:
    task, seed = "put-block-into-matching-bowl", 10003
    env = lohovla.make_env(task)
    reference = lohovla.run_episode(Sampling(), env, seed)
    env.close()
    robot = SimRobot(task)
    try:
        with serving(Sampling()) as server, PolicyClient(server.endpoint, "sim") as client:
            episode = run_episode(robot, client, robot.start(seed))
    finally:
        robot.close()
    assert_same(episode, reference)


def test_oracle_episode_survives_kill_9_of_the_server(tmp_path) -> None:
    """kill -9 mid-episode, restart: the episode continues and ends exactly as it does in-process."""
    task, seed = "put-block-into-matching-bowl", 10003
    reference = in_process("oracle", task, seed)
    with zmq.Context() as ctx, ctx.socket(zmq.ROUTER) as probe:
        endpoint = f"tcp://127.0.0.1:{probe.bind_to_random_port('tcp://127.0.0.1')}"
    log = tmp_path / "serve.log"
    servers = [spawn_server("oracle", endpoint, log)]
    robot = SimRobot(task)
    execute = robot.execute

    def execute_then_kill(pick, place):
        result = execute(pick, place)
        if result.info["step"] == 2:
            servers[0].send_signal(signal.SIGKILL)
            servers[0].wait()
            threading.Timer(1.5, lambda: servers.append(spawn_server("oracle", endpoint, log))).start()
        return result

    robot.execute = execute_then_kill
    try:
        with PolicyClient(endpoint, "sim", deadline_s=0.5) as client:
            episode = run_episode(robot, client, robot.start(seed), config=RunnerConfig(watchdog_s=1.0))
    finally:
        robot.close()
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    kinds = [f.kind for f in episode.faults]
    assert {"deadline", "watchdog_stop", "session_restored"} <= set(kinds) and robot.stops >= 1
    assert_same(episode, reference)


def test_learned_policy_through_the_bridge_equals_in_process() -> None:
    try:
        policy = lohovla.load_policy("lohovla-tiny")
    except (ValueError, FileNotFoundError) as exc:
        pytest.skip(f"no shipped learned checkpoint yet: {exc}")
    task, seed = "put-block-into-matching-bowl", 10001
    env = lohovla.make_env(task)
    reference = lohovla.run_episode(policy.fork(), env, seed)
    env.close()
    robot = SimRobot(task)
    try:
        with serving(policy) as server, PolicyClient(server.endpoint, "sim", deadline_s=60.0) as client:
            episode = run_episode(robot, client, robot.start(seed))
    finally:
        robot.close()
    assert_same(episode, reference)


def test_cli_serve_and_robot(tmp_path) -> None:
    with zmq.Context() as ctx, ctx.socket(zmq.ROUTER) as probe:
        port = probe.bind_to_random_port("tcp://127.0.0.1")
    endpoint = f"tcp://127.0.0.1:{port}"
    server = spawn_server("oracle", endpoint, tmp_path / "serve.log")
    try:
        out = tmp_path / "episodes.json"
        task = "put-block-into-matching-bowl"
        run = subprocess.run(
            [sys.executable, "-m", "lohovla.cli.robot", "robot=sim", f"task={task}", f"server={endpoint}",
             "episodes=2", f"out={out}"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr
        assert "score 100.0" in run.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    episodes = json.loads(out.read_text())
    assert [e["seed"] for e in episodes] == [10001, 10003]
    for result in episodes:
        reference = in_process("oracle", task, result["seed"])
        assert result["subtasks"] == reference.subtasks and result["score"] == reference.score
        np.testing.assert_array_equal(np.asarray(result["actions"], dtype=np.float32), np.stack(reference.actions))
