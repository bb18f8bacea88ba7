"""A real kill: `lohovla-train` is SIGKILLed mid-run, rerun, and its loss curve equals an uninterrupted run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

ARGS = ["experiment=smoke", "max_steps=8", "save_every=2", "progress=false"]


def _train(out, wait_for_kill: bool = False) -> None:
    cmd = [sys.executable, "-m", "lohovla.cli.train", *ARGS, f"out={out}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if wait_for_kill:
        deadline = time.time() + 600
        while not (out / "latest").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]


def _losses(out) -> list[tuple[int, float]]:
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [(r["step"], r["loss"]) for r in rows]


@pytest.mark.slow
def test_sigkill_and_rerun_reproduces_the_loss_curve(tmp_path) -> None:
    _train(tmp_path / "whole")
    _train(tmp_path / "killed", wait_for_kill=True)
    assert (tmp_path / "killed" / "latest").exists()
    _train(tmp_path / "killed")
    assert _losses(tmp_path / "killed") == _losses(tmp_path / "whole")
    assert [s for s, _ in _losses(tmp_path / "whole")] == list(range(1, 9))
