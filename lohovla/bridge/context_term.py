"""Terminating a ZeroMQ context without freezing the caller.

libzmq can block in `zmq_ctx_term` after a CURVE handshake failed, even with LINGER 0 on every socket (pyzmq
issue 626, libzmq issue 2586). A robot loop, a server shutdown or a test suite must not hang on that, so the
context is terminated in a daemon thread that is waited on for a bounded time; a context still blocked after it
is left to the process exit (its threads die with the process), with a warning. Stdlib and pyzmq only (robot side).
"""

from __future__ import annotations

import logging
import threading

import zmq

log = logging.getLogger(__name__)


def terminate(context: zmq.Context, timeout_s: float = 2.0) -> bool:
    """Terminate `context`, waiting at most `timeout_s`; True if it terminated (its sockets must be closed)."""
    thread = threading.Thread(target=context.term, name="lohovla-zmq-term", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        log.warning("a ZeroMQ context did not terminate within %.1f s; left to the process exit", timeout_s)
        return False
    return True
