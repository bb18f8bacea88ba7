"""Resume: a rerun with any dataset-defining setting changed is refused by name and leaves the folder untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lohovla.data import CollectConfig, RequestMismatchError, collect
from lohovla.data.layout import Layout
from lohovla.data.plan import CollectionPlan
from lohovla.data.resume import acquire_lock, check_request, differences, scan

EPISODES = {"task-a": 6, "task-b": 1}  # task-a: 4 shards of 2 seeds; seed 10 (index 5) is dropped


def config(out: Path, **kw: object) -> CollectConfig:
    base = dict(out=str(out), episodes=EPISODES, source="synthetic", seeds_per_shard=2, workers=1, progress=False)
    base.update(kw)
    return CollectConfig(**base)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under root (hidden files and folders too) with its size and mtime in ns."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("resume")
    assert collect(config(root)).episodes == 7
    return root


CHANGES = [
    ("split", {"split": "val"}),
    ("env.mode", {"env": {"mode": "full"}}),
    ("env.obs_noise", {"env": {"mode": "fast", "obs_noise": True}}),  # a LoHoVLA perturbation
    ("env.drop_prob_per_s", {"env": {"mode": "fast", "drop_prob_per_s": 0.05}}),
    ("tasks", {"episodes": {"task-a": 6, "task-c": 1}}),
    ("tasks", {"episodes": {"task-b": 1, "task-a": 6}}),  # the order sets the episode indices
    ("tasks", {"episodes": {"task-a": 6}}),
    ("episodes", {"episodes": {"task-a": 7, "task-b": 1}}),
    ("seeds_per_shard", {"seeds_per_shard": 3}),
    ("min_reward", {"min_reward": 0.5}),
    ("png_level", {"png_level": 6}),
]


@pytest.mark.parametrize(("setting", "change"), CHANGES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(CHANGES)])
def test_a_changed_setting_is_refused_by_name_and_writes_nothing(dataset: Path, setting: str, change: dict) -> None:
    before = snapshot(dataset)
    with pytest.raises(RequestMismatchError) as info:
        collect(config(dataset, **change))
    message = str(info.value)
    assert "\n" not in message and f"(differs in: {setting})" in message
    assert snapshot(dataset) == before


def test_the_same_request_resumes_as_a_no_op(dataset: Path) -> None:
    before = snapshot(dataset)
    again = collect(config(dataset, workers=2, videos=0, verify=True))  # how it is made may change
    assert again.new_episodes == 0 and again.attempts == 0
    after = snapshot(dataset)
    assert {k: v for k, v in after.items() if k.startswith("data")} == {
        k: v for k, v in before.items() if k.startswith("data")
    }


def test_the_first_request_is_recorded(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    request = config(tmp_path).request()
    check_request(layout, request)
    assert json.loads(layout.request.read_text()) == request
    check_request(layout, request)  # the same request again: accepted
    with pytest.raises(RequestMismatchError, match=r"differs in: source, split\)"):
        check_request(layout, {**request, "split": "val", "source": "sim"})


def test_only_the_top_level_episodes_list_reads_as_tasks_and_counts() -> None:
    for key in ("aa", "zz"):
        assert differences({key: [["a", 1]]}, {key: [["b", 1]]}) == [key]
    assert differences({"env": {"episodes": [["a", 1]]}}, {"env": {"episodes": [["b", 1]]}}) == ["env.episodes"]


def test_a_second_writer_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    layout = Layout(tmp_path / "new" / "dataset")  # the lock is the first thing a collection creates
    fd = acquire_lock(layout)
    try:
        with pytest.raises(RuntimeError, match="another lohovla-collect is writing"):
            acquire_lock(layout)
    finally:
        os.close(fd)
    os.close(acquire_lock(layout))  # free again once the holder is gone
    umask = os.umask(0)
    os.umask(umask)
    assert layout.lock.stat().st_mode & 0o777 == 0o644 & ~umask


def test_differences_name_nested_and_missing_settings() -> None:
    old = {"split": "train", "env": {"mode": "fast", "obs_noise": False}, "episodes": [["a", 1], ["b", 2]]}
    assert differences(old, old) == []
    assert differences(old, {**old, "env": {"mode": "fast"}}) == ["env.obs_noise"]
    assert differences(old, {**old, "episodes": [["a", 1], ["b", 3]]}) == ["episodes"]
    assert differences(old, {**old, "episodes": [["b", 2], ["a", 1]]}) == ["tasks"]
    assert differences(old, {"split": "val"}) == ["env", "episodes", "split"]
    assert differences({"env": {"mode": "fast"}}, {"env": "fast"}) == ["env"]


def test_scan_counts_what_is_on_disk(dataset: Path) -> None:
    plan = CollectionPlan(dict(EPISODES), 2)
    counts = scan(Layout(dataset), "train", plan)
    assert counts == {"temp_removed": 0, "sharded": 8, "staged": 0, "dropped": 0}  # 7 kept + 1 dropped attempt
    assert plan.n_kept == 7 and plan.done and plan.tasks["task-a"].written == {0, 1, 2, 3}


def test_the_cli_refuses_in_one_line_without_a_traceback(tmp_path: Path) -> None:
    def cli(*extra: str) -> subprocess.CompletedProcess:
        args = [f"out={tmp_path}", "source=synthetic", "tasks=[task-a]", "episodes_per_task=1", "seeds_per_shard=2"]
        command = [sys.executable, "-m", "lohovla.cli.collect", *args, "workers=1", "progress=false", *extra]
        return subprocess.run(command, capture_output=True, text=True, timeout=300)

    assert cli().returncode == 0
    before = snapshot(tmp_path)
    bad = cli("split=val")
    lines = [line for line in bad.stderr.splitlines() if line.strip()]
    assert bad.returncode != 0 and len(lines) == 1, bad.stderr
    assert "differs in: split" in lines[0] and "Traceback" not in bad.stderr
    assert snapshot(tmp_path) == before


def _stage(root: Path, task: str, indices: list[int]) -> list[dict]:
    """Record synthetic episodes into staging exactly as a worker publishes them."""
    from lohovla.data.synthetic import SyntheticOracle
    from lohovla.data.synthetic import make_env as make_synthetic
    from lohovla.data.worker import Job, WorkerSpec, run_job

    spec = WorkerSpec(str(root), "train", "synthetic", {"mode": "fast"}, min_reward=0.99, png_level=1)
    env = make_synthetic(task)
    return [run_job(spec, Job(task, i), env, SyntheticOracle()) for i in indices]


def test_scan_picks_up_staged_episodes_and_drops_what_it_cannot_use(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    summaries = _stage(tmp_path, "task-a", [0, 1, 2, 5])  # seed 10 (index 5) fails: staged as a .json
    assert [s["kept"] for s in summaries] == [True, True, True, False]
    folder = layout.staging_dir("train", "task-a")
    (folder / ".tmp-77-000014.parquet").write_bytes(b"half written")  # a killed writer's temp file
    (folder / "000006.parquet").write_bytes(b"not parquet")  # damaged: redone
    (folder / "000008.json").write_text("{")  # damaged: redone
    (folder / "000016.json").write_text(json.dumps({"kept": True}))  # a kept episode belongs in a .parquet
    (folder / "000018.json").write_text(json.dumps({"seed": 18}))  # no verdict
    (folder / "000020.parquet").write_bytes(b"")  # empty: redone
    (folder / "notes.txt").write_text("left alone")
    (folder / ".hidden.json").write_text("left alone")
    plan = CollectionPlan({"task-a": 5}, 4)
    counts = scan(layout, "train", plan)
    assert counts == {"temp_removed": 1, "sharded": 0, "staged": 4, "dropped": 5}
    tp = plan.tasks["task-a"]
    assert tp.kept == {0: True, 1: True, 2: True, 5: False}
    remaining = sorted(p.name for p in folder.iterdir())
    assert remaining == [
        ".hidden.json",
        "000000.parquet",
        "000002.parquet",
        "000004.parquet",
        "000010.json",
        "notes.txt",
    ]


def test_scan_reads_shards_and_drops_staging_files_a_shard_already_holds(tmp_path: Path) -> None:
    from lohovla.data.collector import write_block

    layout = Layout(tmp_path)
    _stage(tmp_path, "task-a", [0, 1])
    plan = CollectionPlan({"task-a": 4}, 2)
    scan(layout, "train", plan)
    tp = plan.tasks["task-a"]
    (block,) = tp.ready_blocks()
    shard = write_block(layout, "train", tp, block)
    assert shard.name == "shard-000000-000002.parquet"
    _stage(tmp_path, "task-a", [1, 2])  # index 1 again (a rerun raced a shard), and a new one
    plan = CollectionPlan({"task-a": 4}, 2)
    counts = scan(layout, "train", plan)
    assert counts == {"temp_removed": 0, "sharded": 2, "staged": 1, "dropped": 1}
    assert plan.tasks["task-a"].written == {0} and plan.tasks["task-a"].kept == {0: True, 1: True, 2: True}
    assert sorted(p.name for p in layout.staging_dir("train", "task-a").iterdir()) == ["000004.parquet"]


@pytest.mark.parametrize(
    "name", ["shard-000000-000004.parquet", "shard-000000-000008.parquet", "shard-000002-000004.parquet"]
)
def test_a_shard_whose_seeds_do_not_fit_the_block_is_corrupt(tmp_path: Path, name: str) -> None:
    from lohovla.data.shard_io import CorruptShardError

    folder = Layout(tmp_path).task_dir("train", "task-a")
    folder.mkdir(parents=True)
    (folder / name).write_bytes(b"")
    with pytest.raises(CorruptShardError, match="seeds_per_shard=2"):
        scan(Layout(tmp_path), "train", CollectionPlan({"task-a": 4}, 2))
