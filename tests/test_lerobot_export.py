"""lohovla-export writes the LeRobotDataset v3.0 layout (checked here without lerobot; the round trip through
lerobot's own loader is benchmarks/lerobot_export.py), identical frames, atomically."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lohovla.data import lerobot_export
from lohovla.data.codec import decode_height
from lohovla.data.collector import CollectConfig, collect
from lohovla.data.lerobot_export import export_lerobot
from lohovla.data.step_dataset import StepDataset

EPISODES = {"task-a": 3, "task-b": 2}


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    root = tmp_path_factory.mktemp("lohoset")
    collect(CollectConfig(out=str(root), episodes=EPISODES, source="synthetic", workers=1, progress=False))
    return root


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("lerobot") / "ds"
    return out, export_lerobot(source, out, progress=False)


def test_layout_and_info_follow_lerobot_v3(exported, source):
    out, result = exported
    info = json.loads((out / "meta" / "info.json").read_text())
    steps = len(StepDataset(source))
    assert info["codebase_version"] == "v3.0"
    assert (info["total_episodes"], info["total_frames"], info["total_tasks"]) == (5, steps, result.tasks)
    assert info["data_path"] == "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
    assert {"observation.images.color", "observation.height", "action", "task_index", "index"} <= set(info["features"])
    data = pq.read_table(out / "data" / "chunk-000" / "file-000.parquet")
    assert data.num_rows == steps
    assert data.column("index").to_pylist() == list(range(steps))
    hf = json.loads(data.schema.metadata[b"huggingface"])["info"]["features"]
    assert hf["observation.images.color"]["_type"] == "Image" and hf["observation.height"]["_type"] == "Array2D"
    stats = json.loads((out / "meta" / "stats.json").read_text())
    assert np.array(stats["observation.images.color"]["mean"]).shape == (3, 1, 1)
    assert len(stats["action"]["q50"]) == 14 and stats["action"]["count"] == [steps]


def test_tasks_and_episode_index_match_lerobot_readers(exported):
    out, _ = exported
    tasks = pd.read_parquet(out / "meta" / "tasks.parquet")
    assert tasks.index.name == "task" and list(tasks["task_index"]) == list(range(len(tasks)))
    episodes = pq.read_table(out / "meta" / "episodes" / "chunk-000" / "file-000.parquet").to_pylist()
    assert [e["episode_index"] for e in episodes] == list(range(5))
    assert episodes[0]["dataset_from_index"] == 0
    for a, b in itertools.pairwise(episodes):
        assert a["dataset_to_index"] == b["dataset_from_index"]
    assert all(e["tasks"][0] in tasks.index for e in episodes)


def test_frames_actions_and_tasks_equal_the_source(exported, source):
    out, _ = exported
    data = pq.read_table(out / "data" / "chunk-000" / "file-000.parquet").to_pylist()
    tasks = pd.read_parquet(out / "meta" / "tasks.parquet")
    by_index = {int(i): t for t, i in zip(tasks.index, tasks["task_index"])}
    src = pq.read_table(sorted(source.glob("data/*/*/*.parquet"))).sort_by(
        [("episode_index", "ascending"), ("step_index", "ascending")]
    )
    rows = src.to_pylist()
    assert len(rows) == len(data)
    for ours, theirs in zip(rows, data):
        assert theirs["observation.images.color"]["bytes"] == ours["color"]["bytes"]  # the PNG, byte for byte
        assert np.array_equal(
            np.asarray(theirs["observation.height"], np.float32), decode_height(ours["height"]["bytes"])
        )
        assert np.array_equal(np.float32(theirs["action"]), np.float32(ours["action"]))
        assert theirs["subtask"] == ours["subtask"] and by_index[theirs["task_index"]] == ours["goal"]
        assert theirs["frame_index"] == ours["step_index"]
        assert theirs["next.done"] == (ours["step_index"] == ours["length"] - 1)


def test_existing_output_is_refused_and_a_failed_export_leaves_nothing(exported, source, monkeypatch, tmp_path):
    out, _ = exported
    with pytest.raises(FileExistsError):
        export_lerobot(source, out, progress=False)
    calls = {"n": 0}

    def failing(data: bytes):
        calls["n"] += 1
        if calls["n"] > 4:
            raise RuntimeError("killed")
        return decode_height(data)

    monkeypatch.setattr(lerobot_export, "decode_height", failing)
    target = tmp_path / "new"
    with pytest.raises(RuntimeError):
        export_lerobot(source, target, progress=False)
    assert list(tmp_path.iterdir()) == []  # no half dataset, no temporary folder
