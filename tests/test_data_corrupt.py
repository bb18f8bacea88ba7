"""A truncated or corrupted shard is reported with its file name, by every reader and by a rerun."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from lohovla.data import CollectConfig, CorruptShardError, StepDataset, collect, load_hf_dataset
from lohovla.data.verify import verify_dataset

EPISODES = {"task-a": 6}


def config(out) -> CollectConfig:
    return CollectConfig(
        out=str(out), episodes=EPISODES, source="synthetic", seeds_per_shard=4, workers=1, progress=False
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    collect(config(root))
    return root


@pytest.fixture
def damaged(clean, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(clean, root)
    return root, sorted(root.glob("data/*/*/shard-*.parquet"))[0]


def test_truncated_shard_is_named_by_reader_rerun_and_hf(damaged, tmp_path):
    root, shard = damaged
    data = shard.read_bytes()
    shard.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptShardError, match=shard.name):
        StepDataset(root)
    with pytest.raises(CorruptShardError, match=shard.name):
        load_hf_dataset(root, cache_dir=str(tmp_path / "hf"))
    with pytest.raises(CorruptShardError, match=str(shard)):
        collect(config(root))


def test_deleting_the_bad_shard_and_rerunning_restores_it(damaged, clean):
    root, shard = damaged
    original = pq.read_table(clean / shard.relative_to(root))
    shard.write_bytes(shard.read_bytes()[:100])
    shard.unlink()
    result = collect(config(root))
    assert result.new_episodes > 0 and pq.read_table(shard).equals(original)


def test_flipped_bytes_inside_an_image_page_fail_the_checksum(damaged):
    root, shard = damaged
    data = bytearray(shard.read_bytes())
    rg = pq.read_metadata(shard).row_group(0)
    offset = next(
        rg.column(i).data_page_offset for i in range(rg.num_columns) if rg.column(i).path_in_schema == "color.bytes"
    )
    for k in range(400, 420):
        data[offset + k] ^= 0xFF
    shard.write_bytes(bytes(data))
    ds = StepDataset(root)
    with pytest.raises(CorruptShardError, match=shard.name):
        for i in range(len(ds)):
            ds[i]
    with pytest.raises(CorruptShardError, match=shard.name):
        verify_dataset(root)
