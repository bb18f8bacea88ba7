"""Collection with the synthetic env: round trip, readers, resume no-op, request check, a killed worker."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch

from lohovla.data import CollectConfig, RequestMismatchError, StepDataset, collate_steps, collect, load_hf_dataset
from lohovla.data.codec import decode_color, decode_height
from lohovla.data.episode import record_episode
from lohovla.data.layout import Layout
from lohovla.data.synthetic import SyntheticOracle, make_env
from lohovla.data.verify import verify_dataset

EPISODES = {"task-a": 7, "task-b": 3}


def config(out, **kw) -> CollectConfig:
    base = dict(
        out=str(out),
        episodes=EPISODES,
        source="synthetic",
        seeds_per_shard=4,
        workers=2,
        progress=False,
        env={"mode": "fast"},
    )
    base.update(kw)
    return CollectConfig(**base)


def rows(root) -> list[dict]:
    files = [str(p) for p in sorted(Layout(root).root.glob("data/*/*/shard-*.parquet"))]
    table = pq.read_table(files).sort_by([("episode_index", "ascending"), ("step_index", "ascending")])
    return table.to_pylist()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    result = collect(config(root, videos=1))
    return root, result


def test_collects_exactly_n_kept_episodes_with_stable_indices(dataset):
    root, result = dataset
    assert result.episodes == 10 and result.new_episodes == 10
    info = json.loads((root / "meta" / "info.json").read_text())
    assert info["per_task"]["task-a"]["episodes"] == 7
    assert info["per_task"]["task-a"]["attempts"] == 8  # seed 10 fails (seed % 7 == 3)
    table = rows(root)
    assert sorted({r["episode_index"] for r in table}) == list(range(10))
    seeds_a = sorted({r["seed"] for r in table if r["task"] == "task-a"})
    assert seeds_a == [0, 2, 4, 6, 8, 12, 14]  # seed 10 dropped and replaced by the next one
    assert all(r["success"] and r["score"] == 100.0 for r in table)
    assert verify_dataset(root) == {"files": 3, "episodes": 10, "steps": len(table)}
    assert (root / "videos" / "train" / "task-a" / "seed-000000.mp4").stat().st_size > 1000
    assert not (root / "staging").exists()
    stats = json.loads((root / "meta" / "stats.json").read_text())["action"]
    assert stats["count"] == len(table) and len(stats["mean"]) == 14


def test_rows_equal_a_direct_recording(dataset):
    root, _ = dataset
    env, policy = make_env("task-b"), SyntheticOracle()
    expected = record_episode(env, policy, "task-b", "train", 2).to_table(episode_index=8).to_pylist()
    got = [r for r in rows(root) if r["episode_index"] == 8]
    assert got == expected


def test_step_dataset_decodes_steps_and_history(dataset):
    root, _ = dataset
    ds = StepDataset(root, tasks=["task-b"], history=2)
    assert ds.num_episodes == 3 and len(ds) == sum(r["task"] == "task-b" for r in rows(root))
    item = ds[1]
    table = [r for r in rows(root) if r["task"] == "task-b"]
    assert item["color"].shape == (320, 160, 3) and str(item["color"].dtype) == "torch.uint8"
    assert np.array_equal(item["color"].numpy(), decode_color(table[1]["color"]["bytes"]))
    assert np.allclose(item["height"].numpy(), decode_height(table[1]["height"]["bytes"]))
    assert item["action"].shape == (14,) and item["subtask"] == table[1]["subtask"]
    assert item["prev_subtasks"] == ["", table[0]["subtask"]]
    assert np.allclose(item["prev_actions"][1].numpy(), table[0]["action"])
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=0)
    batch = next(iter(loader))
    assert batch["color"].shape == (4, 320, 160, 3) and len(batch["goal"]) == 4


def test_loader_workers_read_every_step_once(dataset):
    root, _ = dataset
    ds = StepDataset(root)
    loader = torch.utils.data.DataLoader(ds, batch_size=5, shuffle=True, num_workers=2, collate_fn=collate_steps)
    seen = [(int(e), int(s)) for b in loader for e, s in zip(b["episode_index"], b["step_index"])]
    assert sorted(seen) == [(r["episode_index"], r["step_index"]) for r in rows(root)]


def test_hf_datasets_loads_the_shards(dataset, tmp_path):
    root, _ = dataset
    hf = load_hf_dataset(root, cache_dir=str(tmp_path / "hf"))
    assert hf.num_rows == len(rows(root))
    row = hf[0]
    assert row["color"].mode == "RGB" and row["color"].size == (160, 320)
    assert len(row["action"]) == 14 and isinstance(row["valid_subtasks"], list)


def test_rerun_is_a_no_op_and_other_arguments_are_refused(dataset):
    root, _ = dataset
    before = rows(root)
    again = collect(config(root, workers=1))
    assert again.new_episodes == 0 and again.attempts == 0 and rows(root) == before
    with pytest.raises(RequestMismatchError, match="episodes"):
        collect(config(root, episodes={"task-a": 8, "task-b": 3}))
    with pytest.raises(RequestMismatchError, match="tasks"):  # task order sets episode indices
        collect(config(root, episodes={"task-b": 3, "task-a": 7}))


def test_a_killed_worker_is_replaced_and_the_dataset_is_unchanged(dataset, tmp_path):
    root, _ = dataset
    flag = tmp_path / "crashed"
    out = tmp_path / "crashy"
    result = collect(config(out, env={"mode": "fast", "crash_once": f"4:{flag}"}))
    assert flag.exists() and result.episodes == 10
    assert rows(out) == rows(root)
