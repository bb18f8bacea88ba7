"""The server's request handling without sockets: sessions, replies, error codes, idempotent retries."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest

from lohovla.bridge.protocol import PROTOCOL_VERSION
from lohovla.bridge.service import PolicyService, ServiceConfig
from lohovla.bridge.wire import Limits, decode, encode
from lohovla.envs.spec import IMAGE_SHAPE
from lohovla.policies.base import Action, Feedback, Step


class CountingPolicy:
    """Each fork counts its own act() calls and echoes the goal, feedback step and mean colour."""

    name = "counting"
    decoder = "ar"

    def __init__(self) -> None:
        self.calls = 0
        self.goal = ""
        self.forks: list[CountingPolicy] = []
        self.fail = False

    def reset(self, goal: str) -> None:
        self.goal, self.calls = goal, 0

    def act(self, obs: dict, feedback: Feedback) -> Step:
        if self.fail:
            raise RuntimeError("boom")
        self.calls += 1
        mean = float(obs["color"].mean())
        pose = (np.array([0.5, 0.0, mean / 1000]), np.array([0.0, 0.0, 0.0, 1.0]))
        return Step(f"{self.goal}|{feedback.step}|{self.calls}|{feedback.info}", Action(pose, pose), {"plan_ms": 1.0})

    def fork(self) -> CountingPolicy:
        child = CountingPolicy()
        self.forks.append(child)
        return child


def obs(value: int = 7) -> dict:
    return {"color": np.full((*IMAGE_SHAPE, 3), value, np.uint8), "height": np.zeros(IMAGE_SHAPE, np.float32)}


def feedback(step: int = 0, **info: object) -> dict:
    return {"step": step, "reward": 0.0, "done": False, "info": info}


def ask(service: PolicyService, identity: bytes, **header: object) -> dict:
    return decode(service.handle(identity, encode(header)))


@pytest.fixture
def service() -> PolicyService:
    return PolicyService(CountingPolicy())


def open_session(service: PolicyService, identity: bytes, goal: str = "stack") -> None:
    assert ask(service, identity, type="hello", id=1, version=PROTOCOL_VERSION, client="t")["type"] == "metadata"
    assert ask(service, identity, type="reset", id=2, goal=goal)["type"] == "ready"


def test_handshake_metadata(service: PolicyService) -> None:
    meta = ask(service, b"a", type="hello", id=1, version=PROTOCOL_VERSION, client="arm-1")
    assert meta["id"] == 1 and meta["version"] == PROTOCOL_VERSION and meta["model"] == "counting"
    assert meta["decoder"] == "ar" and meta["image_shape"] == list(IMAGE_SHAPE)
    assert meta["action"]["size"] == 14 and meta["action"]["layout"]["place_quat_xyzw"] == [10, 14]
    assert meta["observation"]["height"] == {"dtype": "float32", "shape": list(IMAGE_SHAPE)}
    assert "server_ms" in meta["timings"]


def test_act_returns_step_with_timings_and_float64_action(service: PolicyService) -> None:
    open_session(service, b"a")
    reply = ask(service, b"a", type="act", id=3, observation=obs(100), feedback=feedback(2))
    assert reply["type"] == "step" and reply["id"] == 3
    assert reply["subtask"] == "stack|2|1|{}"
    assert reply["action"].dtype == np.float64 and reply["action"][2] == pytest.approx(0.1)
    assert {"policy_ms", "plan_ms", "server_ms"} <= set(reply["timings"])
    assert reply["timings"]["server_ms"] >= reply["timings"]["policy_ms"]


class PrivilegedCounting(CountingPolicy):
    privileged = True

    def fork(self) -> PrivilegedCounting:
        return PrivilegedCounting()


def test_only_a_privileged_policy_reads_the_simulators_state() -> None:
    sim_info = {"oracle": {"x": [1, 2]}, "objects": [], "valid_subtasks": ["a"], "safety": {"refused": True}}
    for policy, seen in ((CountingPolicy(), {"safety": {"refused": True}}), (PrivilegedCounting(), sim_info)):
        service = PolicyService(policy)
        open_session(service, b"a")
        reply = ask(service, b"a", type="act", id=3, observation=obs(), feedback=feedback(1, **sim_info))
        assert reply["subtask"] == f"stack|1|1|{seen}"


def test_non_finite_observations_and_bad_feedback_are_refused_and_serving_goes_on(service: PolicyService) -> None:
    open_session(service, b"a")
    rid = iter(range(10, 100))
    for bad in (np.nan, np.inf, -np.inf):
        height = obs()["height"]
        height[5, 7] = bad
        reply = ask(
            service, b"a", type="act", id=next(rid), observation={**obs(), "height": height}, feedback=feedback()
        )
        assert reply["type"] == "error" and reply["code"] == "bad_array" and "NaN or inf" in reply["message"]
    for field, value in (("step", -1), ("reward", float("nan")), ("reward", float("inf"))):
        reply = ask(service, b"a", type="act", id=next(rid), observation=obs(), feedback={**feedback(), field: value})
        assert reply["type"] == "error" and reply["code"] == "bad_request" and f"feedback.{field}" in reply["message"]
    assert service.policy.forks[0].calls == 0  # nothing reached the policy
    fine = ask(service, b"a", type="act", id=next(rid), observation=obs(), feedback=feedback(0))
    assert fine["type"] == "step" and service.policy.forks[0].calls == 1
    assert ask(service, b"a", type="ping", id=next(rid))["type"] == "pong"


def test_each_client_has_its_own_policy_state(service: PolicyService) -> None:
    open_session(service, b"a", "goal-a")
    open_session(service, b"b", "goal-b")
    for i in range(3):
        ask(service, b"a", type="act", id=10 + i, observation=obs(), feedback=feedback(i))
    reply = ask(service, b"b", type="act", id=10, observation=obs(), feedback=feedback(0))
    assert reply["subtask"].startswith("goal-b|0|1|")
    assert [p.calls for p in service.policy.forks] == [3, 1] and service.policy.calls == 0


def test_retry_with_same_id_replays_without_running_the_policy(service: PolicyService) -> None:
    open_session(service, b"a")
    first = ask(service, b"a", type="act", id=5, observation=obs(), feedback=feedback())
    again = ask(service, b"a", type="act", id=5, observation=obs(), feedback=feedback())
    assert again["subtask"] == first["subtask"] and service.policy.forks[0].calls == 1
    assert ask(service, b"a", type="act", id=6, observation=obs(), feedback=feedback())["subtask"].endswith("|2|{}")


def test_only_the_last_reply_is_cached(service: PolicyService) -> None:
    """docs/bridge.md: a pipelining client that resends an older id runs the policy again."""
    open_session(service, b"a")
    for rid in (5, 6, 5):
        ask(service, b"a", type="act", id=rid, observation=obs(), feedback=feedback())
    assert service.policy.forks[0].calls == 3 and service.stats["replayed"] == 0
    ask(service, b"a", type="act", id=5, observation=obs(), feedback=feedback())
    assert service.policy.forks[0].calls == 3 and service.stats["replayed"] == 1


def test_ping_needs_no_session(service: PolicyService) -> None:
    reply = ask(service, b"stranger", type="ping", id=9)
    assert reply["type"] == "pong" and reply["id"] == 9 and not service.sessions


def test_bye_closes_the_session(service: PolicyService) -> None:
    open_session(service, b"a")
    assert ask(service, b"a", type="bye", id=3)["type"] == "bye"
    assert ask(service, b"a", type="act", id=4, observation=obs(), feedback=feedback())["code"] == "no_session"
    assert ask(service, b"a", type="ping", id=5)["type"] == "pong"


def _code(service: PolicyService, frames: list, identity: bytes = b"a") -> str:
    reply = decode(service.handle(identity, frames))
    assert reply["type"] == "error" and reply["message"]
    return reply["code"]


def test_error_codes(service: PolicyService) -> None:
    def code(**header: object) -> str:
        return _code(service, encode(header))

    assert _code(service, [b"\xc1\xc1"]) == "malformed"
    assert _code(service, [msgpack.packb([1, 2, 3])]) == "malformed"
    assert code(type="ping") == "bad_request"  # no id
    assert code(type="ping", id=-1) == "bad_request"
    assert code(type="ping", id=True) == "bad_request"
    assert code(type=3, id=1) == "bad_request"
    assert code(type="fly", id=1) == "unknown_type"
    assert code(type="hello", id=1, version=PROTOCOL_VERSION + 1, client="x") == "bad_version"
    assert code(type="hello", id=1, version=PROTOCOL_VERSION) == "bad_request"
    assert code(type="reset", id=1, goal="x") == "no_session"
    assert code(type="act", id=1, observation=obs(), feedback=feedback()) == "no_session"
    ask(service, b"a", type="hello", id=1, version=PROTOCOL_VERSION, client="x")
    assert code(type="act", id=2, observation=obs(), feedback=feedback()) == "no_goal"
    assert code(type="reset", id=3, goal=5) == "bad_request"
    ask(service, b"a", type="reset", id=4, goal="g")
    wrong_dtype = {"color": obs()["color"].astype(np.float32), "height": obs()["height"]}
    assert code(type="act", id=5, observation=wrong_dtype, feedback=feedback()) == "bad_array"
    wrong_shape = {"color": np.zeros((10, 10, 3), np.uint8), "height": obs()["height"]}
    assert code(type="act", id=6, observation=wrong_shape, feedback=feedback()) == "bad_array"
    assert code(type="act", id=7, observation={"color": 1, "height": 2}, feedback=feedback()) == "bad_request"
    assert (
        code(type="act", id=8, observation=obs(), feedback={"step": "0", "reward": 0.0, "done": False}) == "bad_request"
    )
    assert code(type="act", id=9, observation=obs(), feedback={**feedback(), "info": [1]}) == "bad_request"
    service.policy.forks[0].fail = True
    assert code(type="act", id=10, observation=obs(), feedback=feedback()) == "policy_error"
    service.policy.forks[0].fail = False
    assert ask(service, b"a", type="act", id=11, observation=obs(), feedback=feedback())["type"] == "step"


def test_too_large_and_busy() -> None:
    service = PolicyService(CountingPolicy(), ServiceConfig(limits=Limits(max_message_bytes=1000), max_sessions=2))
    assert _code(service, encode({"type": "ping", "id": 1, "pad": np.zeros(2000, np.uint8)})) == "too_large"
    for identity in (b"a", b"b"):
        ask(service, identity, type="hello", id=1, version=PROTOCOL_VERSION, client="x")
    assert (
        _code(service, encode({"type": "hello", "id": 1, "version": PROTOCOL_VERSION, "client": "x"}), b"c") == "busy"
    )
    ask(service, b"a", type="hello", id=2, version=PROTOCOL_VERSION, client="x")  # re-hello of a known client is fine


def test_idle_sessions_are_swept() -> None:
    service = PolicyService(CountingPolicy(), ServiceConfig(session_idle_s=0.0, max_sessions=1))
    ask(service, b"a", type="hello", id=1, version=PROTOCOL_VERSION, client="x")
    assert ask(service, b"b", type="hello", id=1, version=PROTOCOL_VERSION, client="y")["type"] == "metadata"
    assert set(service.sessions) == {b"b"}


def test_a_policy_returning_garbage_is_a_policy_error() -> None:
    class Garbage(CountingPolicy):
        def act(self, obs: dict, feedback: Feedback) -> Step:
            return Step("x", Action((np.zeros(2), np.zeros(4)), (np.zeros(3), np.zeros(4))))

        def fork(self) -> Garbage:
            return Garbage()

    service = PolicyService(Garbage())
    open_session(service, b"a")
    assert (
        _code(service, encode({"type": "act", "id": 3, "observation": obs(), "feedback": feedback()})) == "policy_error"
    )
