"""The LoHoRavens harness against a real checkout (slow; needs LOHORAVENS=path and builds the venv once)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from benchmarks.fidelity import HARNESS
from benchmarks.fidelity_stats import TASKS, features

pytestmark = pytest.mark.slow


def _checkout() -> Path:
    root = Path(os.environ.get("LOHORAVENS", "/work/lohoravens"))
    if not (root / "cliport" / "tasks" / "task.py").exists():
        pytest.skip("set LOHORAVENS to a LoHoRavens checkout")
    return root


def _records(root: Path, task: str, split: str, seeds: str, out: Path) -> list[dict]:
    from benchmarks.fidelity_venv import ensure_venv

    python = ensure_venv()
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    cmd = [str(python), str(HARNESS), "--lohoravens", str(root), "--task", TASKS[task][1], "--split", split]
    subprocess.run([*cmd, "--seeds", seeds, "--out", str(out)], env=env, check=True, capture_output=True)
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_matching_bowl_scene_is_the_originals(tmp_path: Path) -> None:
    (rec,) = _records(_checkout(), "put-block-into-matching-bowl", "test", "10001", tmp_path / "b.jsonl")
    assert "error" not in rec
    f = features("B", rec)
    assert 5 <= f["goal blocks"] <= 7
    assert f["distractors"] <= 6
    assert rec["pos_eps"] == 0.05
    assert rec["max_steps"] == f["goal blocks"] + 2


def test_set_sampling_shim_repeats_the_primitive_scene(tmp_path: Path) -> None:
    """A samples colours from a set: with the shim and a fixed hash seed, one seed gives one scene."""
    root = _checkout()
    a = _records(root, "pick-and-place-primitive", "val", "1,3", tmp_path / "a.jsonl")
    b = _records(root, "pick-and-place-primitive", "val", "1,3", tmp_path / "b.jsonl")
    strip = [{k: v for k, v in r.items() if k != "reset_seconds"} for r in a + b]
    assert strip[:2] == strip[2:]
    assert strip[0]["goal"] != strip[1]["goal"] or strip[0]["objects"] != strip[1]["objects"]
