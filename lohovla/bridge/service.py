"""The policy server's brain without sockets: one session per client, each with its own policy fork.

`PolicyService.handle(identity, frames) -> reply frames` turns any byte sequence into a reply, so the
socket loop around it stays trivial and the fault tests can hammer the logic directly. A session
remembers its last reply: a retried request (same id) is answered again without running the policy
twice, which keeps the closed-loop state right when a client times out on a slow step.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lohovla.bridge.protocol import (
    ACTION_LAYOUT,
    ACTION_SIZE,
    PROTOCOL_VERSION,
    REPLIES,
    error_reply,
    request_id,
    require,
)
from lohovla.bridge.wire import DEFAULT_LIMITS, Limits, WireError, decode, encode
from lohovla.envs.spec import BOUNDS, IMAGE_SHAPE, MAX_ACTION_Z, PIXEL_SIZE
from lohovla.policies.base import Feedback, Policy, visible_info

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceConfig:
    """What the server accepts and promises: caps, session policy and the observation geometry."""

    limits: Limits = DEFAULT_LIMITS
    max_sessions: int = 64
    session_idle_s: float = 600.0
    image_shape: tuple[int, int] = IMAGE_SHAPE
    pixel_size: float = PIXEL_SIZE
    bounds: tuple[tuple[float, float], ...] = tuple(map(tuple, BOUNDS.tolist()))
    max_action_z: float = MAX_ACTION_Z


@dataclass
class Session:
    """One client's state: its policy fork, goal, and the last reply (for idempotent retries)."""

    policy: Policy
    client: str
    last_seen: float
    goal: str | None = None
    last_id: int | None = None
    last_reply: list[Any] | None = None


@dataclass
class PolicyService:
    policy: Policy
    config: ServiceConfig = field(default_factory=ServiceConfig)
    sessions: dict[bytes, Session] = field(default_factory=dict)
    stats: Counter = field(default_factory=Counter)

    def metadata(self) -> dict[str, Any]:
        """What a client needs to build observations and read actions (the hello reply's body)."""
        h, w = self.config.image_shape
        return {
            "version": PROTOCOL_VERSION,
            "model": str(getattr(self.policy, "name", type(self.policy).__name__)),
            "decoder": str(getattr(self.policy, "decoder", "") or ""),
            "image_shape": [h, w],
            "pixel_size": self.config.pixel_size,
            "bounds": [list(row) for row in self.config.bounds],
            "max_action_z": self.config.max_action_z,
            "observation": {
                "color": {"dtype": "uint8", "shape": [h, w, 3]},
                "height": {"dtype": "float32", "shape": [h, w]},
            },
            "action": {"dtype": "float64", "size": ACTION_SIZE, "layout": ACTION_LAYOUT},
            "max_message_bytes": self.config.limits.max_message_bytes,
        }

    def handle(self, identity: bytes, frames: list[Any]) -> list[Any]:
        """Any request frames -> reply frames. Never raises."""
        start = time.perf_counter()
        rid: int | None = None
        try:
            header = decode(frames, self.config.limits)
            rid = header.get("id") if type(header.get("id")) is int else None  # echoed even if invalid
            request_id(header)
            session = self.sessions.get(identity)
            if session is not None:
                session.last_seen = time.monotonic()
                if session.last_id == rid and session.last_reply is not None:
                    self.stats["replayed"] += 1
                    return session.last_reply
            reply = self._dispatch(identity, header, session, rid)
        except WireError as exc:
            reply = error_reply(rid, exc.code, exc.message)
        except Exception as exc:  # a bug here must cost one reply, not the server
            log.exception("internal error serving a request")
            reply = error_reply(rid, "internal", f"{type(exc).__name__}: {exc}")
        self.stats[reply["type"] if reply["type"] != "error" else f"error:{reply['code']}"] += 1
        reply["timings"]["server_ms"] = (time.perf_counter() - start) * 1e3
        out = encode(reply)
        session = self.sessions.get(identity)
        if session is not None and rid is not None:
            session.last_id, session.last_reply = rid, out
        return out

    def sweep(self) -> None:
        """Forget sessions idle for longer than session_idle_s (their clients are gone)."""
        cutoff = time.monotonic() - self.config.session_idle_s
        for identity in [i for i, s in self.sessions.items() if s.last_seen < cutoff]:
            log.info("dropping idle session of %s", self.sessions[identity].client)
            del self.sessions[identity]

    def _dispatch(self, identity: bytes, header: dict[str, Any], session: Session | None, rid: int) -> dict:
        kind = require(header, "type", str)
        if kind not in REPLIES:
            raise WireError("unknown_type", f"unknown request type {kind[:50]!r}; expected one of {sorted(REPLIES)}")
        reply: dict[str, Any] = {"type": REPLIES[kind], "id": rid, "timings": {}}
        if kind == "ping":
            return reply
        if kind == "hello":
            return {**reply, **self._hello(identity, header)}
        if session is None:
            raise WireError("no_session", "no session for this client; send hello first")
        if kind == "bye":
            del self.sessions[identity]
        elif kind == "reset":
            session.goal = require(header, "goal", str)
            self._call(session.policy.reset, session.goal)
        else:
            reply.update(self._act(session, header, reply["timings"]))
        return reply

    def _hello(self, identity: bytes, header: dict[str, Any]) -> dict[str, Any]:
        version = require(header, "version", int)
        if version != PROTOCOL_VERSION:
            raise WireError("bad_version", f"protocol version {version}; this server speaks {PROTOCOL_VERSION}")
        client = require(header, "client", str)[:200]
        if identity not in self.sessions and len(self.sessions) >= self.config.max_sessions:
            self.sweep()
            if len(self.sessions) >= self.config.max_sessions:
                raise WireError("busy", f"{len(self.sessions)} sessions open; try again later")
        self.sessions[identity] = Session(self._call(self.policy.fork), client, time.monotonic())
        log.info("session opened for %s", client)
        return self.metadata()

    def _act(self, session: Session, header: dict[str, Any], timings: dict[str, float]) -> dict[str, Any]:
        if session.goal is None:
            raise WireError("no_goal", "act before reset; send reset(goal) first")
        obs = require(header, "observation", dict)
        h, w = self.config.image_shape
        color = _image(obs, "color", np.uint8, (h, w, 3))
        height = _image(obs, "height", np.float32, (h, w))
        feedback = _feedback(require(header, "feedback", dict), session.policy)
        start = time.perf_counter()
        step = self._call(session.policy.act, {"color": color, "height": height, "goal": session.goal}, feedback)
        timings["policy_ms"] = (time.perf_counter() - start) * 1e3
        try:
            parts = (*step.action.pick, *step.action.place)
            action = np.concatenate([np.asarray(p, dtype=np.float64).reshape(-1) for p in parts])
            if action.shape != (ACTION_SIZE,):
                raise ValueError(f"action has {action.size} numbers, expected {ACTION_SIZE}")
            own = {str(k): float(v) for k, v in dict(step.timings).items()}
        except Exception as exc:
            raise WireError("policy_error", f"policy returned an unusable step: {exc}") from None
        timings.update({k: v for k, v in own.items() if k not in timings})
        return {"subtask": str(step.subtask), "action": action, "replanned": bool(step.replanned)}

    @staticmethod
    def _call(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as exc:
            log.exception("policy raised")
            raise WireError("policy_error", f"{type(exc).__name__}: {exc}") from None


def _feedback(fb: dict[str, Any], policy: Policy) -> Feedback:
    """The request's feedback, checked; its info cut to what `policy` may read (see `visible_info`)."""
    info = fb.get("info", {})
    if not isinstance(info, dict):
        raise WireError("bad_request", "feedback.info must be a map")
    step = require(fb, "step", int, "feedback.")
    if step < 0:
        raise WireError("bad_request", f"feedback.step must be >= 0, got {step}")
    reward = float(require(fb, "reward", (int, float), "feedback."))
    if not math.isfinite(reward):
        raise WireError("bad_request", f"feedback.reward must be a finite number, got {reward}")
    done = require(fb, "done", bool, "feedback.")
    return Feedback(step=step, reward=reward, done=done, info=visible_info(policy, info))


def _image(obs: dict[str, Any], name: str, dtype: type, shape: tuple[int, ...]) -> np.ndarray:
    value = obs.get(name)
    if not isinstance(value, np.ndarray):
        raise WireError("bad_request", f"observation.{name} must be an array frame")
    if value.dtype != dtype or value.shape != shape:
        raise WireError(
            "bad_array",
            f"observation.{name} is {value.dtype}{list(value.shape)}; expected {np.dtype(dtype)}{list(shape)}",
        )
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise WireError("bad_array", f"observation.{name} holds NaN or inf")
    return value
