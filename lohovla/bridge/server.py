"""The policy server: a ROUTER socket in front of a `PolicyService`.

One thread polls the socket and answers each request in turn; requests from many clients are fair-
queued by ZeroMQ, so a chatty or hostile client cannot starve the others. The loop never lets an
exception out: a bad message costs an error reply, a vanished peer a dropped reply. It binds
127.0.0.1 unless told otherwise, and refuses a non-local address without CurveZMQ keys unless
`allow_insecure` says the network is trusted.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import zmq

from lohovla.bridge.context_term import terminate
from lohovla.bridge.curve import ServerKeys, secure_server
from lohovla.bridge.protocol import DEFAULT_ENDPOINT, error_reply
from lohovla.bridge.service import PolicyService, ServiceConfig
from lohovla.bridge.wire import encode
from lohovla.policies.base import Policy

log = logging.getLogger(__name__)


def is_local(endpoint: str) -> bool:
    """True for ipc://, inproc:// and tcp:// on a loopback address or localhost."""
    transport, _, rest = endpoint.partition("://")
    if transport in ("ipc", "inproc"):
        return True
    host = rest.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an interface name or "*": not provably local


class PolicyServer:
    """Serve `policy` on `bind` (``tcp://127.0.0.1:*`` picks a free port; see `endpoint`)."""

    def __init__(
        self,
        policy: Policy,
        bind: str = DEFAULT_ENDPOINT,
        config: ServiceConfig | None = None,
        *,
        keys: ServerKeys | None = None,
        allow_insecure: bool = False,
        context: zmq.Context | None = None,
    ) -> None:
        if not is_local(bind) and keys is None and not allow_insecure:
            raise ValueError(f"refusing to bind {bind} without CurveZMQ keys; pass keys or allow_insecure=True")
        self.service = PolicyService(policy, config or ServiceConfig())
        self._own_context = context is None
        self.context = context or zmq.Context()
        self.socket = self.context.socket(zmq.ROUTER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.setsockopt(zmq.ROUTER_HANDOVER, 1)  # a reconnecting client keeps its identity
        # Hard cap per frame: ZeroMQ drops the peer before buffering more. The service's softer cap
        # (half of it) answers with a "too_large" error instead.
        self.socket.setsockopt(zmq.MAXMSGSIZE, 2 * self.service.config.limits.max_message_bytes)
        self.auth = secure_server(self.socket, keys) if keys is not None else None
        self.socket.bind(bind)
        self.endpoint: str = self.socket.getsockopt_string(zmq.LAST_ENDPOINT)
        self._stop = threading.Event()
        log.info("policy server %s on %s%s", self.service.policy.name, self.endpoint, " (curve)" if keys else "")

    def serve(self, stop: threading.Event | None = None, poll_ms: int = 100, sweep_s: float = 10.0) -> None:
        """Answer requests until `stop` (or `self.stop()`) is set."""
        stop = stop or self._stop
        next_sweep = time.monotonic() + sweep_s
        while not stop.is_set() and not self._stop.is_set():
            try:
                ready = self.socket.poll(poll_ms)
            except zmq.ZMQError as exc:
                if exc.errno in (zmq.ETERM, zmq.ENOTSOCK):
                    break
                log.warning("poll failed: %s", exc)
                continue
            if ready:
                self._drain()
            if time.monotonic() > next_sweep:
                self.service.sweep()
                next_sweep = time.monotonic() + sweep_s

    def _drain(self, burst: int = 64) -> None:
        for _ in range(burst):
            try:
                frames = self.socket.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            except zmq.ZMQError as exc:
                log.warning("receive failed: %s", exc)
                return
            reply = self.answer(frames)
            try:
                self.socket.send_multipart(reply, zmq.NOBLOCK)
            except zmq.ZMQError as exc:  # peer gone or its queue full: drop, never block the others
                self.service.stats["dropped"] += 1
                log.debug("reply dropped: %s", exc)

    def answer(self, frames: list[Any]) -> list[Any]:
        """[identity, (empty delimiter,) header, arrays...] -> the routed reply, same envelope."""
        identity = frames[0].bytes if hasattr(frames[0], "bytes") else bytes(frames[0])
        if len(frames) > 1 and len(frames[1]) == 0:  # REQ clients (and our DEALER) send a delimiter
            envelope, body = [identity, b""], frames[2:]
        else:
            envelope, body = [identity], frames[1:]
        if not body:
            return envelope + encode(error_reply(None, "malformed", "no header frame"))
        return envelope + self.service.handle(identity, body)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Stop serving and release the socket (and the auth thread)."""
        self._stop.set()
        if self.auth is not None:
            self.auth.stop()
        self.socket.close(0)
        if self._own_context:
            terminate(self.context)


@contextmanager
def serving(policy: Policy, bind: str = "tcp://127.0.0.1:*", **kwargs: Any) -> Iterator[PolicyServer]:
    """A server answering in a background thread for the duration of a with-block (tests, notebooks)."""
    server = PolicyServer(policy, bind, **kwargs)
    thread = threading.Thread(target=server.serve, name="lohovla-policy-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=5.0)
        server.close()
