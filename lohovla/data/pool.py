"""The worker processes of a collection: start, feed, watch, replace.

Each worker has its own duplex Pipe and a short FIFO of jobs (prefetch) so it never waits for the main
process. A worker that dies (segfault, OOM kill, kill -9) is replaced and its unfinished jobs are
returned to the caller to hand out again; its half-written files are temp files that never count.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Any

from lohovla.data.worker import Job, WorkerSpec, worker_main


class WorkerError(RuntimeError):
    """A worker failed outside an episode (e.g. the env could not be built)."""


@dataclass
class Handle:
    proc: Any
    conn: Any
    inflight: deque[Job] = field(default_factory=deque)
    ready: bool = False  # said hello: imports and start-up went fine


@dataclass
class Event:
    kind: str  # "result" or "lost"
    summary: dict[str, Any] | None = None
    jobs: list[Job] = field(default_factory=list)


#: Imported once by the forkserver, then shared by every worker forked from it (start-up in ~ms).
PRELOAD = ["lohovla.data.worker", "lohovla.data.synthetic", "lohovla.envs.registration", "lohovla.policies.oracle"]


class WorkerPool:
    """`n` worker processes from a clean 'forkserver' (or 'spawn'): never a fork of the main process,
    so no PyBullet client, torch thread pool or tqdm thread is ever copied into a worker."""

    def __init__(self, spec: WorkerSpec, n: int, prefetch: int = 2, start_method: str = "forkserver") -> None:
        self.spec, self.prefetch = spec, max(1, prefetch)
        self.ctx = mp.get_context(start_method)
        if start_method == "forkserver":
            self.ctx.set_forkserver_preload(PRELOAD)
        self.handles = [self._start() for _ in range(max(1, n))]

    def _start(self) -> Handle:
        parent, child = self.ctx.Pipe(duplex=True)
        proc = self.ctx.Process(target=worker_main, args=(child, self.spec, os.getpid()), daemon=True)
        proc.start()
        child.close()
        return Handle(proc, parent)

    @property
    def n_inflight(self) -> int:
        return sum(len(h.inflight) for h in self.handles)

    def free(self) -> list[Handle]:
        return [h for h in self.handles if len(h.inflight) < self.prefetch]

    def submit(self, handle: Handle, job: Job) -> None:
        handle.inflight.append(job)
        with contextlib.suppress(BrokenPipeError, OSError):  # a dead worker: poll() reports the job lost
            handle.conn.send(job)

    def poll(self, timeout: float) -> list[Event]:
        """Wait up to `timeout` s; return finished episodes and jobs lost with a dead worker."""
        waitables = [h.conn for h in self.handles] + [h.proc.sentinel for h in self.handles]
        ready = set(wait(waitables, timeout=timeout))
        events: list[Event] = []
        for i, h in enumerate(self.handles):
            if h.conn in ready or h.proc.sentinel in ready:
                alive = self._drain(h, events)
                if not alive or not h.proc.is_alive():
                    if not h.ready:
                        h.proc.join(1.0)
                        raise WorkerError(
                            f"a collection worker died during start-up (exit code {h.proc.exitcode}); "
                            "see its error output above. (A script that calls collect() must guard it "
                            "with `if __name__ == '__main__':`.)"
                        )
                    events.append(Event("lost", jobs=list(h.inflight)))
                    self._stop(h)
                    self.handles[i] = self._start()
        return events

    def _drain(self, h: Handle, events: list[Event]) -> bool:
        try:
            while h.conn.poll():
                kind, payload = h.conn.recv()
                if kind == "fatal":
                    raise WorkerError(f"collection worker failed:\n{payload}")
                if kind == "ready":
                    h.ready = True
                    continue
                h.inflight.popleft()
                events.append(Event("result", summary=payload))
        except (EOFError, ConnectionResetError, OSError):
            return False
        return True

    def _stop(self, h: Handle, timeout: float = 5.0) -> None:
        with contextlib.suppress(BrokenPipeError, OSError):
            h.conn.send(None)
        h.proc.join(timeout)
        if h.proc.is_alive():
            h.proc.kill()
            h.proc.join()
        h.conn.close()

    def close(self, graceful: bool = True) -> None:
        for h in self.handles:
            if graceful:
                self._stop(h)
            else:
                h.proc.kill()
                h.proc.join()
                h.conn.close()
        self.handles = []
