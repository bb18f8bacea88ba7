"""Fuzzing the server: thousands of malformed messages, and it keeps serving a well-behaved client."""

from __future__ import annotations

import random

import msgpack
import numpy as np
import pytest
import zmq

from lohovla.bridge.client import PolicyClient
from lohovla.bridge.protocol import PROTOCOL_VERSION, BridgeError
from lohovla.bridge.server import serving
from lohovla.bridge.service import ServiceConfig
from lohovla.bridge.testing import PeakPolicy
from lohovla.bridge.wire import Limits, encode
from lohovla.envs.spec import IMAGE_SHAPE

SOFT_CAP = 1 << 20  # the server answers "too_large" above this; ZeroMQ drops a peer whose frame exceeds 2x


def random_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(9 if depth < 4 else 6)
    if kind == 0:
        return rng.randrange(-(2**63), 2**64)
    if kind == 1:
        return rng.choice([float("nan"), float("inf"), -0.0, rng.random()])
    if kind == 2:
        return "".join(chr(rng.randrange(32, 0x2FF)) for _ in range(rng.randrange(20)))
    if kind == 3:
        return rng.randbytes(rng.randrange(20))
    if kind == 4:
        return rng.choice([None, True, False])
    if kind == 5:
        return rng.choice(["hello", "reset", "act", "ping", "bye", "step", "metadata", "error", "$array"])
    if kind == 6:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["type", "id", "version", "client", "goal", "observation", "feedback", "$array", "dtype", "shape"]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


def valid_act(rng: random.Random, rid: int) -> list[bytes]:
    color = np.zeros((*IMAGE_SHAPE, 3), np.uint8)
    height = np.zeros(IMAGE_SHAPE, np.float32)
    feedback = {"step": 0, "reward": 0.0, "done": False, "info": {}}
    return [
        bytes(memoryview(f))
        for f in encode(
            {"type": "act", "id": rid, "observation": {"color": color, "height": height}, "feedback": feedback}
        )
    ]


def fuzz_message(rng: random.Random, rid: int) -> tuple[list[bytes], bool]:
    """One hostile message and whether the server is expected to answer it."""
    kind = rng.randrange(10)
    if kind == 0:  # random bytes
        return [rng.randbytes(rng.randrange(1, 300)) for _ in range(rng.randrange(1, 4))], True
    if kind == 1:  # random msgpack structure
        return [msgpack.packb(random_value(rng), use_bin_type=True)], True
    if kind == 2:  # a real request with one field broken
        header = rng.choice(
            [
                {"type": "hello", "id": rid, "version": PROTOCOL_VERSION, "client": "fuzz"},
                {"type": "reset", "id": rid, "goal": "g"},
                {"type": "ping", "id": rid},
                {"type": "bye", "id": rid},
            ]
        )
        key = rng.choice(list(header))
        if rng.random() < 0.7:
            header[key] = random_value(rng)
        else:
            del header[key]
        return [msgpack.packb(header, use_bin_type=True)], True
    if kind == 3:  # act with a lying array placeholder
        frames = valid_act(rng, rid)
        header = msgpack.unpackb(frames[0])
        spec = header["observation"][rng.choice(["color", "height"])]
        field = rng.choice(["$array", "dtype", "shape"])
        spec[field] = rng.choice([random_value(rng), -1, 5, "float16", "complex128", [1 << 40], [320, 160, 3, 1]])
        return [msgpack.packb(header, use_bin_type=True), *frames[1:]], True
    if kind == 4:  # act with truncated, missing or extra frames
        frames = valid_act(rng, rid)
        choice = rng.randrange(3)
        if choice == 0:
            frames[1] = frames[1][: rng.randrange(len(frames[1]))]
        elif choice == 1:
            frames = frames[:-1]
        else:
            frames.append(rng.randbytes(10))
        return frames, True
    if kind == 5:  # truncated or bit-flipped header
        header = bytearray(valid_act(rng, rid)[0])
        if rng.random() < 0.5:
            header = header[: rng.randrange(len(header))] or bytearray(b"\x80\x81")
        else:
            header[rng.randrange(len(header))] ^= 1 << rng.randrange(8)
        return [bytes(header) or b"\xc1"], True
    if kind == 6:  # deep nesting
        depth = rng.randrange(10, 5000)
        return [b"\x91" * depth + b"\x00"], True
    if kind == 7:  # over the soft cap: a "too_large" reply; rarely over the hard cap: dropped by ZeroMQ
        if rng.random() < 0.1:
            return [b"\x80", bytes(2 * SOFT_CAP + 10)], False
        return [b"\x80", bytes(SOFT_CAP + 10)], True
    if kind == 8:  # many frames
        return [b"\x80"] + [b"x"] * rng.randrange(17, 40), True
    return [msgpack.packb({"type": "act", "id": rid}, use_bin_type=True)], True  # act with no session


def run_fuzz(count: int, seed: int) -> None:
    rng = random.Random(seed)
    config = ServiceConfig(limits=Limits(max_message_bytes=SOFT_CAP))
    color = np.full((*IMAGE_SHAPE, 3), 9, np.uint8)
    height = np.zeros(IMAGE_SHAPE, np.float32)
    height[100, 50] = 0.1
    feedback = {"step": 0, "reward": 0.0, "done": False, "info": {}}
    with serving(PeakPolicy(), config=config) as server, zmq.Context() as ctx:
        good = PolicyClient(server.endpoint, "good", deadline_s=10.0, context=ctx)
        good.reset("keep going")
        expected = good.act(color, height, feedback)
        sockets = []
        for _ in range(3):
            sock = ctx.socket(zmq.DEALER)
            sock.setsockopt(zmq.LINGER, 0)
            sock.connect(server.endpoint)
            sockets.append(sock)
        sent, answered = 0, 0
        while sent < count:
            waiting = {id(s): 0 for s in sockets}
            for _ in range(min(50, count - sent)):
                frames, replies = fuzz_message(rng, sent)
                delimiter = [b""] if rng.random() < 0.7 else []
                sent += 1
                if not replies:  # ZeroMQ will cut this connection: use a throwaway one
                    with ctx.socket(zmq.DEALER) as doomed:
                        doomed.setsockopt(zmq.LINGER, 2000)
                        doomed.connect(server.endpoint)
                        doomed.send_multipart(delimiter + frames)
                        doomed.poll(50)
                    continue
                sock = rng.choice(sockets)
                sock.send_multipart(delimiter + frames)
                waiting[id(sock)] += 1
            for sock in sockets:
                for _ in range(waiting[id(sock)]):
                    assert sock.poll(10_000), "the server stopped answering"
                    sock.recv_multipart()
                    answered += 1
            step = good.act(color, height, feedback)  # the well-behaved client is served all along
            np.testing.assert_array_equal(step.action, expected.action)
        stats = server.service.stats
        good.close()
        for sock in sockets:
            sock.close()
    print(dict(stats))
    errors = sum(v for k, v in stats.items() if k.startswith("error:"))
    assert answered > 0.9 * count and errors > 0.8 * count
    assert stats["error:internal"] == 0, stats


def test_server_survives_500_fuzzed_messages() -> None:
    run_fuzz(500, seed=1)


@pytest.mark.slow
def test_server_survives_10000_fuzzed_messages() -> None:
    run_fuzz(10_000, seed=2)


def test_nan_observations_and_bad_feedback_get_error_replies_over_the_socket() -> None:
    """Found by an interoperability client: these once reached the policy (NaN) or were accepted (feedback)."""
    color = np.zeros((*IMAGE_SHAPE, 3), np.uint8)
    height = np.zeros(IMAGE_SHAPE, np.float32)
    ok = {"step": 0, "reward": 0.0, "done": False, "info": {}}
    with serving(PeakPolicy()) as server, PolicyClient(server.endpoint, "edge", deadline_s=10.0) as client:
        client.reset("g")
        for bad in (np.nan, np.inf):
            broken = height.copy()
            broken[3, 4] = bad
            with pytest.raises(BridgeError) as info:
                client.act(color, broken, ok)
            assert info.value.code == "bad_array"
        for feedback in ({**ok, "step": -1}, {**ok, "reward": float("nan")}):
            with pytest.raises(BridgeError) as info:
                client.act(color, height, feedback)
            assert info.value.code == "bad_request"
        assert client.act(color, height, ok).subtask.startswith("pick up the highest")
        assert server.service.stats["error:policy_error"] == 0
