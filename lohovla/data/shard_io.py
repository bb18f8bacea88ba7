"""Reading and writing shard files, with corruption reported by file name.

Every Parquet file of a dataset is written through `atomic_path`, with page checksums, one row group
per episode (so a reader fetches one episode at a time), images uncompressed by Parquet (they are PNG
already) and the small columns zstd-compressed. A shard's key-value metadata lists every seed of its
block that was attempted, kept or not, so the attempt history survives the staging files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lohovla.data.atomic import atomic_path
from lohovla.data.schema import FORMAT_VERSION, STEP_SCHEMA, arrow_schema

ATTEMPTS_KEY = "lohoset.attempts"
VERSION_KEY = "lohoset.version"
_STATS = ["episode_index", "step_index", "seed", "reward", "score"]
_COMPRESSION = {name: ("none" if name in ("color", "height") else "zstd") for name in STEP_SCHEMA.names}


class CorruptShardError(RuntimeError):
    """A dataset file is truncated, corrupted or not in the LoHoSet format."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        super().__init__(
            f"corrupted or truncated dataset file {self.path}: {reason}. "
            "Delete it and rerun lohovla-collect with the same arguments to regenerate its episodes."
        )


def write_episodes(path: Path, tables: list[pa.Table], attempts: list[dict[str, Any]], sync: bool = True) -> None:
    """Write episode tables (one row group each) to `path`, atomically (and durably with `sync`)."""
    meta = {VERSION_KEY: FORMAT_VERSION, ATTEMPTS_KEY: json.dumps(attempts, separators=(",", ":"))}
    schema = arrow_schema(meta)
    with atomic_path(path, sync) as tmp:
        writer = pq.ParquetWriter(
            tmp, schema, compression=_COMPRESSION, write_page_checksum=True, write_statistics=_STATS
        )
        try:
            for table in tables:
                writer.write_table(table, row_group_size=max(1, table.num_rows))
        finally:
            writer.close()


def open_parquet(path: Path | str, verify: bool = True) -> pq.ParquetFile:
    """Open a dataset file, turning pyarrow's errors about a bad file into CorruptShardError."""
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=verify)
    except FileNotFoundError:
        raise
    except (pa.ArrowException, OSError) as exc:
        raise CorruptShardError(path, str(exc)) from exc
    names = pf.schema_arrow.names
    missing = [n for n in STEP_SCHEMA.names if n not in names]
    if missing:
        raise CorruptShardError(path, f"missing columns {missing}")
    return pf


def read_attempts(path: Path | str) -> list[dict[str, Any]]:
    """The attempt list of a shard, from its footer only (cheap: no data pages are read)."""
    pf = open_parquet(path)
    meta = pf.schema_arrow.metadata or {}
    raw = meta.get(ATTEMPTS_KEY.encode())
    if raw is None:
        raise CorruptShardError(path, f"no {ATTEMPTS_KEY} metadata (not written by lohovla-collect)")
    attempts = json.loads(raw)
    kept = sum(1 for a in attempts if a["kept"])
    if kept != pf.metadata.num_row_groups:
        raise CorruptShardError(path, f"{kept} kept episodes listed but {pf.metadata.num_row_groups} stored")
    return attempts


def read_row_group(pf: pq.ParquetFile, index: int, path: Path | str, columns: list[str] | None = None):
    """One row group as a Table; decoding errors name the file."""
    try:
        return pf.read_row_group(index, columns=columns)
    except (pa.ArrowException, OSError) as exc:
        raise CorruptShardError(path, f"row group {index}: {exc}") from exc


def read_table(path: Path | str, columns: list[str] | None = None) -> pa.Table:
    """A whole file as a Table (all pages checksum-verified)."""
    pf = open_parquet(path)
    try:
        return pf.read(columns=columns)
    except (pa.ArrowException, OSError) as exc:
        raise CorruptShardError(path, str(exc)) from exc
