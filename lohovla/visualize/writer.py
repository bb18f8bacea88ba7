"""Write frames as MP4 (default, H.264 through imageio-ffmpeg) or GIF, atomically: a killed run leaves no half file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lohovla.data.atomic import atomic_path

FORMATS = (".mp4", ".gif")


def check_video_path(path: str | Path) -> Path:
    """The path, or a ValueError saying which suffixes are known (checked before a run, not after it)."""
    path = Path(path)
    if path.suffix not in FORMATS:
        raise ValueError(f"video {path}: expected a .mp4 or .gif file name")
    return path


def write_video(frames: list[np.ndarray], path: str | Path, fps: int = 8) -> Path:
    """`path`'s suffix picks the format (.mp4 or .gif)."""
    import imageio.v2 as imageio

    path = check_video_path(path)
    if not frames:
        raise ValueError("no frames to write")
    shape = np.asarray(frames[0]).shape
    if len(shape) != 3 or shape[2] != 3 or any(np.asarray(f).shape != shape for f in frames):
        raise ValueError(f"video {path}: every frame must be (H, W, 3) like the first, {shape}")
    with atomic_path(path, sync=False) as tmp:
        if path.suffix == ".gif":
            writer = imageio.get_writer(tmp, mode="I", duration=1000 / fps, loop=0)
        else:  # yuv420p for players everywhere; crf 28 keeps a 640x480 episode well under a MB
            writer = imageio.get_writer(
                tmp, fps=fps, macro_block_size=8, codec="libx264", pixelformat="yuv420p",
                output_params=["-crf", "28", "-preset", "veryfast"],
            )  # fmt: skip
        try:
            for frame in frames:
                writer.append_data(np.asarray(frame, np.uint8))
        finally:
            writer.close()  # ffmpeg finishes the file here, before it is renamed (or removed on error)
    return path
