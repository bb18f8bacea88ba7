"""Text and marker drawing on RGB frames (PIL), with one font that has the glyphs we use (check, cross)."""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PICK_RGB = (0, 200, 255)
PLACE_RGB = (255, 60, 200)
OK_RGB = (90, 220, 90)
FAIL_RGB = (255, 90, 80)
TEXT_RGB = (240, 240, 240)
DIM_RGB = (170, 190, 210)


@functools.lru_cache(maxsize=8)
def font(size: int) -> ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib, a dependency), else PIL's default."""
    try:
        from matplotlib import font_manager

        return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size)
    except Exception:
        return ImageFont.load_default()


def wrap(text: str, size: int, width_px: int) -> list[str]:
    """Greedy word wrap by rendered width."""
    f, lines, line = font(size), [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and f.getlength(trial) > width_px:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def banner(img: Image.Image, top: int, lines: list[tuple[str, tuple[int, int, int]]], size: int) -> int:
    """A dark translucent band from row `top` with one text line per entry; returns the band's bottom row."""
    pad, step = 4, int(size * 1.25)
    bottom = top + 2 * pad + step * len(lines)
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(overlay).rectangle([0, top, img.size[0], bottom], fill=(10, 12, 16, 190))
    img.alpha_composite(overlay)
    d = ImageDraw.Draw(img)
    for i, (text, rgb) in enumerate(lines):
        d.text((8, top + pad + i * step), text, fill=rgb, font=font(size))
    return bottom


def marker(d: ImageDraw.ImageDraw, uv: tuple[float, float], rgb, label: str, size: int = 14, width: int = 0) -> None:
    """A ring with a cross and a label beside it (left of it near the right edge `width`), dark-outlined."""
    u, v = uv
    r = size // 2 + 3
    for w, c in ((5, (0, 0, 0)), (2, rgb)):
        d.ellipse([u - r, v - r, u + r, v + r], outline=c, width=w)
        d.line([u - r - 4, v, u + r + 4, v], fill=c, width=max(1, w - 2))
        d.line([u, v - r - 4, u, v + r + 4], fill=c, width=max(1, w - 2))
    text_w = font(size).getlength(label)
    left = u + r + 4 if not width or u + r + 4 + text_w < width else u - r - 4 - text_w
    d.text((left, v - size), label, fill=rgb, font=font(size), stroke_width=2, stroke_fill=(0, 0, 0))


def arrow(d: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], rgb, width: int = 2) -> None:
    """A dashed line from a to b with a head at b: the motion the policy asked for."""
    a_, b_ = np.asarray(a, float), np.asarray(b, float)
    length = float(np.linalg.norm(b_ - a_))
    if length < 1:
        return
    direction = (b_ - a_) / length
    for s in np.arange(0, length - 10, 12.0):
        p, q = a_ + direction * s, a_ + direction * min(s + 7, length - 10)
        d.line([tuple(p), tuple(q)], fill=rgb, width=width)
    normal = np.array([-direction[1], direction[0]])
    tip = b_ - direction * 10
    d.polygon([tuple(b_ - direction * 2), tuple(tip + normal * 5), tuple(tip - normal * 5)], fill=rgb)


def to_image(frame: np.ndarray) -> Image.Image:
    return Image.fromarray(np.asarray(frame, np.uint8)).convert("RGBA")


def to_array(img: Image.Image) -> np.ndarray:
    return np.asarray(img.convert("RGB"))
