"""The LoHoSet step table: one Parquet row per primitive step, images PNG-encoded in the row.

The schema lives here once; the writer, the readers, `meta/info.json` and docs/dataset.md all use it.
The image columns use the Hugging Face `Image` struct layout ({bytes, path}) and the file schema carries
the `datasets` feature metadata, so `datasets.load_dataset("parquet", ...)` decodes them to PIL images.
"""

from __future__ import annotations

import json

import pyarrow as pa

#: Bumped whenever a column changes meaning or type; readers refuse other major versions.
FORMAT_VERSION = "1.0"
#: Height (metres, float32 in [0, HEIGHT_RANGE]) is stored as uint16 round(h / HEIGHT_RANGE * 65535).
HEIGHT_RANGE = 0.3
HEIGHT_SCALE = HEIGHT_RANGE / 65535.0
#: Names of the 14 action numbers, in `lohovla.policies.base.Action.as_array` order.
ACTION_NAMES = tuple(f"{part}_{c}" for part in ("pick", "place") for c in ("x", "y", "z", "qx", "qy", "qz", "qw"))
ACTION_DIM = len(ACTION_NAMES)

IMAGE_STRUCT = pa.struct([("bytes", pa.binary()), ("path", pa.string())])

#: (name, arrow type, description). Episode-level values are repeated on every step of the episode.
COLUMNS: tuple[tuple[str, pa.DataType, str], ...] = (
    ("episode_index", pa.int64(), "dataset-wide episode id: task order, then seed order (0-based)"),
    ("step_index", pa.int32(), "primitive step within the episode (0-based)"),
    ("task", pa.string(), "task id, e.g. put-block-into-matching-bowl"),
    ("split", pa.string(), "seed split: train, val or test"),
    ("seed", pa.int64(), "env seed; the scene is a pure function of (task, split, seed)"),
    ("goal", pa.string(), "the episode's instruction"),
    ("subtask", pa.string(), "the expert's sub-task sentence for this step"),
    ("valid_subtasks", pa.list_(pa.string()), "every sub-task that makes progress from this state"),
    ("action", pa.list_(pa.float32(), ACTION_DIM), "[pick xyz, pick quat xyzw, place xyz, place quat xyzw]"),
    ("reward", pa.float32(), "reward earned by this step (rewards of an episode sum to its total)"),
    ("color", IMAGE_STRUCT, "observation before the step: RGB heightmap, 8-bit PNG (H, W, 3)"),
    ("height", IMAGE_STRUCT, "observation before the step: height, 16-bit grayscale PNG, x HEIGHT_SCALE = m"),
    ("length", pa.int32(), "episode: number of steps"),
    ("score", pa.float32(), "episode: 100 x total reward (0..100)"),
    ("success", pa.bool_(), "episode: total reward > 0.99"),
)
COLUMN_NAMES = tuple(name for name, _, _ in COLUMNS)


def hf_features() -> dict:
    """The `datasets.Features` dict (serialised form) that matches COLUMNS."""

    def value(dtype: str) -> dict:
        return {"dtype": dtype, "_type": "Value"}

    image = {"decode": True, "_type": "Image"}
    return {
        "episode_index": value("int64"),
        "step_index": value("int32"),
        "task": value("string"),
        "split": value("string"),
        "seed": value("int64"),
        "goal": value("string"),
        "subtask": value("string"),
        "valid_subtasks": {"feature": value("string"), "_type": "List"},
        "action": {"feature": value("float32"), "length": ACTION_DIM, "_type": "List"},
        "reward": value("float32"),
        "color": image,
        "height": image,
        "length": value("int32"),
        "score": value("float32"),
        "success": value("bool"),
    }


def arrow_schema(extra_metadata: dict[str, str] | None = None) -> pa.Schema:
    """The step schema with the `datasets` feature metadata (and any extra key-value metadata)."""
    meta = {"huggingface": json.dumps({"info": {"features": hf_features()}})}
    meta.update(extra_metadata or {})
    return pa.schema([pa.field(name, dtype) for name, dtype, _ in COLUMNS], metadata=meta)


STEP_SCHEMA = arrow_schema()


def describe() -> list[dict[str, str]]:
    """The schema as plain data, for meta/info.json."""
    return [{"name": name, "type": str(dtype), "description": doc} for name, dtype, doc in COLUMNS]
