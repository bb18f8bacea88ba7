"""The real thing: lohovla-collect on the PyBullet simulator with the oracle, and the CLI's presets."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from lohovla.cli.collect import build_config
from lohovla.data import StepDataset
from lohovla.data.verify import verify_dataset

TASK = "put-block-into-matching-bowl"


def test_cli_collects_two_real_demonstrations(tmp_path):
    out = tmp_path / "ds"
    cmd = [
        sys.executable,
        "-m",
        "lohovla.cli.collect",
        f"tasks=[{TASK}]",
        "episodes_per_task=2",
        "workers=1",
        f"out={out}",
        "videos=1",
        "progress=false",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    info = json.loads((out / "meta" / "info.json").read_text())
    assert info["total_episodes"] == 2 and info["image_shape"] == [320, 160]
    assert verify_dataset(out)["episodes"] == 2
    ds = StepDataset(out)
    assert len(ds) == info["total_steps"] >= 2
    step = ds[0]
    assert step["color"].shape == (320, 160, 3) and step["height"].shape == (320, 160)
    assert float(step["height"].min()) >= 0.0 and float(step["height"].max()) <= 0.3
    assert np.isfinite(step["action"].numpy()).all() and step["subtask"].startswith("pick up")
    assert step["goal"] == "put the blocks in the bowls with matching colors."
    last = ds[len(ds) - 1]
    assert int(last["step_index"]) == int(last["length"]) - 1
    assert list((out / "videos" / "train" / TASK).glob("seed-000000.mp4"))


@pytest.mark.parametrize("preset", ["small", "lohoset"])
def test_presets_expand_to_per_task_sizes(preset):
    with initialize_config_module(config_module="lohovla.configs", version_base="1.3"):
        cfg = compose(config_name="collect", overrides=[f"collect={preset}", "workers=3"])
    config = build_config(cfg)
    assert config.workers == 3 and config.env["mode"] == "fast"
    sizes = config.episodes
    assert TASK in sizes and "pick-and-place-primitive" in sizes
    if preset == "lohoset":
        assert sizes[TASK] == 1000 and sizes["pick-and-place-primitive"] == 10000
        assert len(sizes) == 17 and "put-blocks-in-pyramid-into-matching-bowls" in sizes
        assert "put-block-into-mismatching-bowl" not in sizes  # never an unseen task (F-K)
    else:
        assert set(sizes.values()) == {50} and "put-block-into-mismatching-bowl" not in sizes


@pytest.mark.slow
def test_kill_9_of_a_real_collection_then_rerun_equals_an_uninterrupted_one(tmp_path):
    import os
    import signal
    import time

    import pyarrow.parquet as pq

    def run(out, wait_for_shard=False):
        cmd = [sys.executable, "-m", "lohovla.cli.collect", f"tasks=[{TASK},pick-and-place-primitive]",
               "episodes_per_task=6", "seeds_per_shard=3", "workers=2", f"out={out}", "progress=false"]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_for_shard:
            deadline = time.time() + 300
            while time.time() < deadline and not list(out.glob("data/*/*/shard-*.parquet")):
                time.sleep(0.05)
            assert proc.poll() is None
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=600)
        return proc.returncode

    def rows(root):
        files = [str(p) for p in sorted(root.glob("data/*/*/shard-*.parquet"))]
        return pq.read_table(files).sort_by([("episode_index", "ascending"), ("step_index", "ascending")])

    killed, reference = tmp_path / "killed", tmp_path / "reference"
    assert run(killed, wait_for_shard=True) == -signal.SIGKILL
    assert run(killed) == 0 and run(reference) == 0
    assert rows(killed).equals(rows(reference))
    assert verify_dataset(killed)["episodes"] == 12
