"""The LeRobotDataset v3.0 layout (lerobot 0.4-0.6) as LoHoSet fills it: features, paths and info.json.

One frame per primitive step (fps 1: a step is one decision). The colour heightmap is an `image` feature
whose PNG bytes are copied from LoHoSet unchanged (lossless, identical pixels); the height is a float32
(320, 160) array feature (the metres StepDataset returns); the action is the 14-number LoHoSet action; the
LeRobot `task` is the episode's goal, and the expert's sub-task rides along as a string feature.
"""

from __future__ import annotations

from lohovla.data.schema import ACTION_DIM, ACTION_NAMES
from lohovla.envs.spec import IMAGE_SHAPE

CODEBASE_VERSION = "v3.0"
FPS = 1
CHUNKS_SIZE = 1000  # files per chunk folder
DATA_FILE_MB = 100  # a data file is closed once it holds this much
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
TASKS_PATH = "meta/tasks.parquet"
COLOR_KEY, HEIGHT_KEY = "observation.images.color", "observation.height"


def features() -> dict[str, dict]:
    """info.json's `features` (lerobot's names and conventions)."""
    rows, cols = IMAGE_SHAPE

    def scalar(dtype: str) -> dict:
        return {"dtype": dtype, "shape": [1], "names": None}

    return {
        COLOR_KEY: {"dtype": "image", "shape": [rows, cols, 3], "names": ["height", "width", "channels"]},
        HEIGHT_KEY: {"dtype": "float32", "shape": [rows, cols], "names": ["rows_y", "cols_x"]},
        "action": {"dtype": "float32", "shape": [ACTION_DIM], "names": list(ACTION_NAMES)},
        "next.reward": scalar("float32"),
        "next.done": scalar("bool"),
        "subtask": scalar("string"),
        "timestamp": scalar("float32"),
        "frame_index": scalar("int64"),
        "episode_index": scalar("int64"),
        "index": scalar("int64"),
        "task_index": scalar("int64"),
    }


def hf_features() -> dict:
    """The `datasets` feature metadata of the data files (what lerobot's writer puts in their schema)."""
    rows, cols = IMAGE_SHAPE

    def value(dtype: str) -> dict:
        return {"dtype": dtype, "_type": "Value"}

    return {
        COLOR_KEY: {"_type": "Image"},
        HEIGHT_KEY: {"shape": [rows, cols], "dtype": "float32", "_type": "Array2D"},
        "action": {"feature": value("float32"), "length": ACTION_DIM, "_type": "List"},
        "next.reward": value("float32"),
        "next.done": value("bool"),
        "subtask": value("string"),
        "timestamp": value("float32"),
        "frame_index": value("int64"),
        "episode_index": value("int64"),
        "index": value("int64"),
        "task_index": value("int64"),
    }


def info(total_episodes: int, total_frames: int, total_tasks: int, robot_type: str) -> dict:
    return {
        "codebase_version": CODEBASE_VERSION,
        "fps": FPS,
        "features": features(),
        "total_episodes": total_episodes,
        "total_frames": total_frames,
        "total_tasks": total_tasks,
        "chunks_size": CHUNKS_SIZE,
        "data_files_size_in_mb": DATA_FILE_MB,
        "video_files_size_in_mb": 200,
        "data_path": DATA_PATH,
        "video_path": None,
        "robot_type": robot_type,
        "splits": {"train": f"0:{total_episodes}"},
    }
