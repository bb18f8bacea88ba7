"""Client and server over real loopback sockets: round trips, deadlines, restarts, retries, many clients, CurveZMQ."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import zmq

from lohovla.bridge.client import DeadlineExceeded, PolicyClient
from lohovla.bridge.curve import ClientKeys, ServerKeys, generate_keypair
from lohovla.bridge.protocol import PROTOCOL_VERSION, BridgeError
from lohovla.bridge.server import PolicyServer, is_local, serving
from lohovla.bridge.testing import PeakPolicy
from lohovla.bridge.wire import decode, encode
from lohovla.envs.spec import IMAGE_SHAPE
from lohovla.policies.base import Action, Feedback, Step

FEEDBACK = {"step": 0, "reward": 0.0, "done": False, "info": {}}


class Tally:
    """Counts act() per fork and reports it in the sub-task: shows whose state served a request."""

    name = "tally"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s, self.calls, self.goal = delay_s, 0, ""

    def reset(self, goal: str) -> None:
        self.goal, self.calls = goal, 0

    def act(self, obs: dict, feedback: Feedback) -> Step:
        time.sleep(self.delay_s)
        self.calls += 1
        pose = (np.array([0.5, 0.0, 0.02]), np.array([0.0, 0.0, 0.0, 1.0]))
        return Step(f"{self.goal}#{self.calls}", Action(pose, pose))

    def fork(self) -> Tally:
        return Tally(self.delay_s)


def observation(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (*IMAGE_SHAPE, 3), dtype=np.uint8), rng.random(IMAGE_SHAPE, dtype=np.float32) * 0.2


def test_act_round_trip_matches_the_policy_in_process() -> None:
    color, height = observation()
    expected = PeakPolicy().act({"color": color, "height": height}, Feedback())
    with serving(PeakPolicy()) as server, PolicyClient(server.endpoint, "t") as client:
        meta = client.connect()
        assert meta["model"] == "peak" and meta["image_shape"] == list(IMAGE_SHAPE)
        client.reset("pick the highest")
        step = client.act(color, height, FEEDBACK)
        assert step.subtask == expected.subtask
        np.testing.assert_array_equal(step.action, np.concatenate([*expected.action.pick, *expected.action.place]))
        assert step.timings["server_ms"] > 0 and "plan_ms" in step.timings
        assert client.ping() > 0


def test_deadline_without_a_server() -> None:
    with zmq.Context() as ctx, ctx.socket(zmq.ROUTER) as probe:
        endpoint = probe.bind_to_random_port("tcp://127.0.0.1")
    client = PolicyClient(f"tcp://127.0.0.1:{endpoint}", "t", deadline_s=0.2)
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        client.connect()
    assert 0.19 <= time.monotonic() - start < 1.0
    client.close()


def test_session_is_restored_after_a_server_restart() -> None:
    with serving(Tally()) as first:
        endpoint = first.endpoint
        client = PolicyClient(endpoint, "t", deadline_s=1.0)
        client.reset("g")
        assert client.act(*observation(), FEEDBACK).subtask == "g#1"
    with pytest.raises(DeadlineExceeded):
        client.act(*observation(), FEEDBACK)
    with serving(Tally(), endpoint):  # same port, fresh process state: no sessions
        step = client.act(*observation(), FEEDBACK, retry=True)
        assert step.subtask == "g#1" and client.reconnects == 1  # new session, same goal
    client.close()


def test_retry_after_a_missed_deadline_does_not_step_the_policy_twice() -> None:
    policy = Tally(delay_s=0.4)
    with serving(policy) as server, PolicyClient(server.endpoint, "t", deadline_s=0.15) as client:
        client.deadline_s = 2.0
        client.reset("g")
        client.deadline_s = 0.15
        with pytest.raises(DeadlineExceeded):
            client.act(*observation(), FEEDBACK)
        client.deadline_s = 2.0
        assert client.act(*observation(), FEEDBACK, retry=True).subtask == "g#1"  # the replayed answer
        assert client.act(*observation(), FEEDBACK).subtask == "g#2"


def test_eight_clients_at_once_each_with_its_own_state() -> None:
    results: dict[int, list[str]] = {}
    with serving(Tally()) as server:

        def robot(i: int) -> None:
            with PolicyClient(server.endpoint, f"r{i}", deadline_s=10.0) as client:
                client.reset(f"goal{i}")
                results[i] = [client.act(*observation(i), FEEDBACK).subtask for _ in range(15)]

        threads = [threading.Thread(target=robot, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(server.service.sessions) == 0  # every client said bye
    assert results == {i: [f"goal{i}#{n}" for n in range(1, 16)] for i in range(8)}


def test_a_req_client_with_the_plain_envelope_is_served() -> None:
    with serving(PeakPolicy()) as server, zmq.Context() as ctx, ctx.socket(zmq.REQ) as req:
        req.connect(server.endpoint)
        req.send_multipart(encode({"type": "hello", "id": 1, "version": PROTOCOL_VERSION, "client": "req"}))
        assert req.poll(5000) and decode(req.recv_multipart())["type"] == "metadata"
        req.send_multipart(encode({"type": "act", "id": 2}))
        assert req.poll(5000) and decode(req.recv_multipart())["code"] == "no_goal"


def test_server_errors_reach_the_client_as_bridge_errors() -> None:
    with serving(PeakPolicy()) as server, PolicyClient(server.endpoint, "t") as client:
        client.reset("g")
        with pytest.raises(BridgeError) as info:
            client.act(np.zeros((10, 10, 3), np.uint8), np.zeros((10, 10), np.float32), FEEDBACK)
        assert info.value.code == "bad_array"


def test_curve_admits_only_authorized_clients(tmp_path) -> None:
    _, server_secret = generate_keypair(tmp_path / "server", "server")
    client_public, client_secret = generate_keypair(tmp_path / "client", "robot")
    _, stranger_secret = generate_keypair(tmp_path / "stranger", "stranger")
    authorized = tmp_path / "authorized"
    authorized.mkdir()
    (authorized / "robot.key").write_bytes(client_public.read_bytes())
    server_public = str(tmp_path / "server" / "server.key")
    keys = ServerKeys(str(server_secret), str(authorized))
    with serving(PeakPolicy(), keys=keys) as server:
        with PolicyClient(server.endpoint, "t", keys=ClientKeys(str(client_secret), server_public)) as client:
            client.reset("g")
            assert client.act(*observation(), FEEDBACK).subtask
        stranger = PolicyClient(
            server.endpoint, "s", deadline_s=0.5, keys=ClientKeys(str(stranger_secret), server_public)
        )
        with pytest.raises(DeadlineExceeded):
            stranger.connect()
        stranger.close()
        plain = PolicyClient(server.endpoint, "p", deadline_s=0.5)
        with pytest.raises(DeadlineExceeded):
            plain.connect()
        plain.close()


def test_only_loopback_without_keys() -> None:
    assert is_local("tcp://127.0.0.1:5555") and is_local("tcp://localhost:1") and is_local("ipc:///tmp/x")
    assert is_local("tcp://[::1]:5555")
    assert not is_local("tcp://0.0.0.0:5555") and not is_local("tcp://*:5555") and not is_local("tcp://eth0:1")
    with pytest.raises(ValueError, match="CurveZMQ"):
        PolicyServer(PeakPolicy(), "tcp://0.0.0.0:5555")  # refused before any socket is bound
