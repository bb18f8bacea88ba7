"""A watchdog that stops the robot when the policy has been silent for too long.

It runs in its own thread, so it fires even while the control thread is stuck waiting on the
network. The control loop arms it when it starts waiting for the policy, feeds it on every reply and
disarms it while the robot carries out a command it was given (silence is expected then).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Watchdog:
    """Call `on_expire` once per silence longer than `timeout_s` while armed."""

    def __init__(self, timeout_s: float, on_expire: Callable[[], None], name: str = "policy") -> None:
        if timeout_s <= 0:
            raise ValueError("watchdog timeout must be positive")
        self.timeout_s, self.on_expire, self.name = timeout_s, on_expire, name
        self.trips = 0
        self.tripped = False
        self._armed = False
        self._last = time.monotonic()
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"watchdog-{name}", daemon=True)
        self._thread.start()

    def arm(self) -> None:
        """Start counting silence (from now, unless already armed)."""
        with self._wake:
            if not self._armed:
                self._armed, self._last = True, time.monotonic()
                self._wake.notify()

    def feed(self) -> None:
        """The policy spoke: restart the count and clear a trip."""
        with self._wake:
            self._last, self.tripped = time.monotonic(), False
            self._wake.notify()

    def disarm(self) -> None:
        """Stop counting (the robot is busy with a command; the policy is not expected to speak)."""
        with self._wake:
            self._armed = False
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=1.0)

    def __enter__(self) -> Watchdog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._closed:
                    return
                if not self._armed or self.tripped:
                    self._wake.wait()
                    continue
                left = self._last + self.timeout_s - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                self.tripped, self.trips = True, self.trips + 1
            log.error("%s silent for over %.2fs: stopping the robot", self.name, self.timeout_s)
            try:  # outside the lock: a slow stop() must not block feed() from the control thread
                self.on_expire()
            except Exception:
                log.exception("watchdog stop action failed")
