"""Shutting the bridge down never hangs on a ZeroMQ context that will not terminate."""

from __future__ import annotations

import time

import zmq

from lohovla.bridge.context_term import terminate


def test_a_context_with_closed_sockets_terminates() -> None:
    context = zmq.Context()
    context.socket(zmq.DEALER).close(0)
    assert terminate(context, timeout_s=5.0)
    assert context.closed


def test_a_blocked_termination_returns_within_its_timeout() -> None:
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)  # left open: zmq_ctx_term blocks until it is closed
    t0 = time.monotonic()
    assert not terminate(context, timeout_s=0.3)
    assert time.monotonic() - t0 < 2.0
    socket.close(0)  # lets the termination thread finish
    deadline = time.monotonic() + 5.0
    while not context.closed and time.monotonic() < deadline:
        time.sleep(0.01)
    assert context.closed
