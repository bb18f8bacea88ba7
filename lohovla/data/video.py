"""Episode videos for people: colour and height side by side, the sub-task and reward under them.

One frame per step plus the final state, each shown for a second, so a collection can be checked by
eye without loading the dataset. MP4 through imageio-ffmpeg; GIF when ffmpeg is not available.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lohovla.data.atomic import atomic_path
from lohovla.data.schema import HEIGHT_RANGE

SCALE = 2
CAPTION_ROWS = 96
FPS = 2
HOLD = 2  # frames per step


def _height_rgb(height: np.ndarray) -> np.ndarray:
    """Height as a black-green-yellow ramp: 0 m black, 0.1 m and above bright yellow."""
    h = np.clip(np.asarray(height, np.float32) / min(HEIGHT_RANGE, 0.1), 0.0, 1.0)
    return (np.stack([h, h**0.5, h**3 * 0.6], axis=-1) * 255).astype(np.uint8)


def render_frame(color: np.ndarray, height: np.ndarray, caption: str, goal: str) -> np.ndarray:
    """(H*SCALE + CAPTION_ROWS, 2*W*SCALE, 3) uint8: colour | height, then goal and caption text."""
    panel = np.concatenate([np.asarray(color, np.uint8), _height_rgb(height)], axis=1)
    panel = np.repeat(np.repeat(panel, SCALE, axis=0), SCALE, axis=1)
    canvas = Image.new("RGB", (panel.shape[1], panel.shape[0] + CAPTION_ROWS), (20, 20, 20))
    canvas.paste(Image.fromarray(panel), (0, 0))
    draw = ImageDraw.Draw(canvas)
    width = max(20, panel.shape[1] // 7)
    lines = textwrap.wrap(goal, width)[:2] + textwrap.wrap(caption, width)[:4]
    for i, line in enumerate(lines):
        draw.text((6, panel.shape[0] + 4 + 14 * i), line, fill=(235, 235, 235) if i else (150, 200, 255))
    return np.asarray(canvas)


def write_episode_video(path: Path, frames: list[tuple[np.ndarray, np.ndarray, str]], goal: str) -> Path:
    """Write the frames of one episode to `path` (.mp4, or .gif next to it without ffmpeg)."""
    import imageio.v2 as imageio

    images = [render_frame(c, h, cap, goal) for c, h, cap in frames]
    images = [img for img in images for _ in range(HOLD)]
    try:
        import imageio_ffmpeg  # noqa: F401

        target = path
        with atomic_path(target) as tmp:
            writer = imageio.get_writer(tmp, fps=FPS, codec="libx264", macro_block_size=16, quality=7)
            try:
                for img in images:
                    writer.append_data(img)
            finally:
                writer.close()
    except ImportError:
        target = path.with_suffix(".gif")
        with atomic_path(target) as tmp:
            imageio.mimsave(tmp, images, duration=1000 / FPS)
    return target
