"""The robot-side client: a DEALER socket with per-request deadlines and session recovery.

Numpy, pyzmq and msgpack only. Every request waits at most `deadline_s`; on a miss it raises
`DeadlineExceeded` and rebuilds the socket (dropping whatever was queued for a dead server) but keeps
its routing id, so a server that was only slow still recognises the session, and a retry of the same
request (`retry=True`) gets the cached reply instead of stepping the policy twice. When the server
answers "no_session" (it restarted) the client says hello and resets the goal again by itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import zmq

from lohovla.bridge.context_term import terminate
from lohovla.bridge.curve import ClientKeys, secure_client
from lohovla.bridge.protocol import ACTION_SIZE, DEFAULT_ENDPOINT, PROTOCOL_VERSION, REPLIES, BridgeError
from lohovla.bridge.wire import DEFAULT_LIMITS, Limits, WireError, decode, encode

log = logging.getLogger(__name__)


class DeadlineExceeded(TimeoutError):
    """The server did not answer within the request's deadline (dead, restarting, or overloaded)."""


@dataclass
class PolicyStep:
    """The server's answer to act: sub-task, pick and place poses, and the timings in ms."""

    subtask: str
    pick: tuple[np.ndarray, np.ndarray]
    place: tuple[np.ndarray, np.ndarray]
    replanned: bool
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def action(self) -> np.ndarray:
        """The flat float64 layout [pick xyz, pick quat, place xyz, place quat]."""
        return np.concatenate([*self.pick, *self.place])


class PolicyClient:
    """Talk to a policy server: connect() (hello), reset(goal), act(...), ping(), close() (bye)."""

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        name: str = "robot",
        *,
        deadline_s: float = 2.0,
        keys: ClientKeys | None = None,
        limits: Limits = DEFAULT_LIMITS,
        context: zmq.Context | None = None,
    ) -> None:
        self.endpoint, self.name, self.deadline_s, self.keys, self.limits = endpoint, name, deadline_s, keys, limits
        self._own_context = context is None
        self.context = context or zmq.Context()
        self.routing_id = b"lohovla-" + os.urandom(8).hex().encode()
        self.metadata: dict[str, Any] | None = None
        self.goal: str | None = None
        self.last_rtt_ms = 0.0
        self.reconnects = 0
        self._next_id = 1
        self._unanswered: tuple[str, int] | None = None
        self._socket: zmq.Socket | None = None

    # --- the protocol -------------------------------------------------------------------------

    def connect(self) -> dict[str, Any]:
        """hello: open a session; returns the server's metadata (checked against the first one seen)."""
        meta = self._call({"type": "hello", "version": PROTOCOL_VERSION, "client": self.name})
        meta = {k: v for k, v in meta.items() if k not in ("type", "id", "timings")}
        if self.metadata is not None:
            for key in ("image_shape", "pixel_size", "bounds", "action"):
                if meta.get(key) != self.metadata.get(key):
                    raise BridgeError("metadata_changed", f"server's {key} changed after reconnecting")
        self.metadata = meta
        return meta

    def reset(self, goal: str) -> None:
        """Start an episode with this goal (the client remembers it to restore a lost session)."""
        self.goal = goal
        self._request({"type": "reset", "goal": goal})

    def act(
        self, color: np.ndarray, height: np.ndarray, feedback: dict[str, Any], *, retry: bool = False
    ) -> PolicyStep:
        """One policy step. feedback: {step, reward, done, info}. retry=True repeats the last request id."""
        request = {"type": "act", "observation": {"color": color, "height": height}, "feedback": feedback}
        reply = self._request(request, retry=retry)
        action = reply.get("action")
        if not isinstance(action, np.ndarray) or action.shape != (ACTION_SIZE,):
            raise BridgeError("bad_reply", f"step reply carries no {ACTION_SIZE}-number action")
        action = action.astype(np.float64)
        return PolicyStep(
            subtask=str(reply.get("subtask", "")), pick=(action[0:3], action[3:7]), place=(action[7:10], action[10:14]),
            replanned=bool(reply.get("replanned", True)), timings=dict(reply.get("timings", {})),
        )  # fmt: skip

    def ping(self) -> float:
        """Round trip in ms."""
        self._call({"type": "ping"})
        return self.last_rtt_ms

    def close(self) -> None:
        """Say bye (best effort, short wait) and release the socket."""
        if self._socket is not None and self.metadata is not None:
            with contextlib.suppress(DeadlineExceeded, BridgeError):
                self._call({"type": "bye"}, deadline_s=min(self.deadline_s, 0.2))
        self._drop_socket()
        if self._own_context:
            terminate(self.context)

    def __enter__(self) -> PolicyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ----------------------------------------------------------------------------

    def _request(self, header: dict[str, Any], retry: bool = False) -> dict[str, Any]:
        """Run a request; if the server lost our session (restart), hello + reset again and resend it."""
        if self.metadata is None:
            self.connect()
        try:
            return self._call(header, retry=retry)
        except BridgeError as exc:
            if exc.code != "no_session":
                raise
        log.warning("server lost this session (restarted?); opening a new one")
        self.reconnects += 1
        self.connect()
        if self.goal is not None and header["type"] != "reset":
            self._call({"type": "reset", "goal": self.goal})
        return self._call(header)

    def _call(self, header: dict[str, Any], *, retry: bool = False, deadline_s: float | None = None) -> dict[str, Any]:
        """Send one request, wait for the reply with its id until the deadline; error replies raise.

        retry=True resends the request that last missed its deadline under the same id, if it was of
        the same type, so the server replays its answer rather than serving it twice.
        """
        if retry and self._unanswered is not None and self._unanswered[0] == header["type"]:
            rid = self._unanswered[1]
        else:
            rid, self._next_id = self._next_id, self._next_id + 1
        self._unanswered = (header["type"], rid)
        socket = self._ensure_socket()
        start = time.perf_counter()
        deadline = start + (self.deadline_s if deadline_s is None else deadline_s)
        socket.send_multipart([b"", *encode({**header, "id": rid})], copy=False)
        while True:
            remaining_ms = int(max(0.0, deadline - time.perf_counter()) * 1e3)
            if remaining_ms <= 0 or not socket.poll(remaining_ms):
                self._drop_socket()  # lazy pirate: whatever is queued for a dead server goes with it
                raise DeadlineExceeded(
                    f"no reply to {header['type']} from {self.endpoint} within {deadline - start:.2f}s"
                )
            frames = socket.recv_multipart(copy=False)
            reply = self._parse(frames)
            if reply is not None and reply.get("id") == rid:
                break
        self._unanswered = None
        self.last_rtt_ms = (time.perf_counter() - start) * 1e3
        if reply.get("type") == "error":
            raise BridgeError(str(reply.get("code")), str(reply.get("message")))
        if reply.get("type") != REPLIES[header["type"]]:
            raise BridgeError("bad_reply", f"expected {REPLIES[header['type']]!r}, got {reply.get('type')!r}")
        return reply

    def _parse(self, frames: list[Any]) -> dict[str, Any] | None:
        body = frames[1:] if frames and len(frames[0]) == 0 else frames
        try:
            return decode(body, self.limits)
        except WireError as exc:
            log.warning("ignoring an undecodable reply: %s", exc)
            return None

    def _ensure_socket(self) -> zmq.Socket:
        if self._socket is None:
            socket = self.context.socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            socket.setsockopt(zmq.ROUTING_ID, self.routing_id)
            socket.setsockopt(zmq.MAXMSGSIZE, 2 * self.limits.max_message_bytes)
            socket.setsockopt(zmq.RECONNECT_IVL, 100)
            socket.setsockopt(zmq.RECONNECT_IVL_MAX, 1000)
            if self.keys is not None:
                secure_client(socket, self.keys)
            socket.connect(self.endpoint)
            self._socket = socket
        return self._socket

    def _drop_socket(self) -> None:
        if self._socket is not None:
            self._socket.close(0)
            self._socket = None
