"""Annotated episode frames: goal, step, planned sub-task, pick/place marks, reward and outcome on every frame.

Layout (800 x 624 for a 640 x 480 view): a header with the goal and the step's plan, the camera view with the
pick and place points (and any named area) marked on the table, a side panel with the top-down heightmap the
policy decided on (turned to read as the task's words do: "top" is x < 0.5, "left" y < 0), and a footer with
the step's outcome. The env records raw frames and, per frame, its step and phase (`LoHoRavensEnv.frame_meta`);
decisions come from a `TracingPolicy`. The state after each step, and the end, are held on screen longer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from lohovla.envs.cameras import CameraSpec, video_camera
from lohovla.envs.layout import QUADRANTS, area_rect
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.visualize import draw
from lohovla.visualize.projection import project
from lohovla.visualize.trace import StepTrace

HOLD = {"start": 8, "move": 1, "after": 6}  # video frames each recorded frame is shown for
END_HOLD = 16
HEADER, FOOTER, SIDE = 88, 56, 240  # px, for a 480-row view (scaled with the view's height)
AREA_RGB = (255, 210, 90)


@dataclass
class EpisodeView:
    """What the annotation needs about an episode besides its frames."""

    task: str
    seed: int
    goal: str
    max_steps: int
    rewards: list[float]
    score: float
    success: bool
    camera: CameraSpec | None = None  # the frames' camera (env.video_camera()); None: the default view


def named_areas(*texts: str) -> list[str]:
    """The workspace areas ("top left", "center", ...) that the goal or sub-task names."""
    return [a for a in QUADRANTS if any(f"{a} area" in (t or "") for t in texts)]


def _rect_corners(rect: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    x0, x1, y0, y1 = rect
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]


def _on_table(d: ImageDraw.ImageDraw, spec, rect, rgb, width: int) -> list[tuple[float, float]]:
    pts = [project(spec, (x, y, 0.0)) for x, y in _rect_corners(rect)]
    pts = [p for p in pts if p is not None]
    if len(pts) == 4:
        d.line(pts + [pts[0]], fill=rgb, width=width)
    return pts


def _inset(trace: StepTrace | None, areas: list[str], fallback: np.ndarray | None, width: int) -> Image.Image | None:
    """The heightmap the policy decided on, with the chosen points and any named area."""
    color = trace.color if trace is not None else fallback
    if color is None:
        return None
    # The heightmap's rows follow y and its columns x; transposed, "top" (x < 0.5) is up and "left" (y < 0) is left.
    img = Image.fromarray(np.ascontiguousarray(np.asarray(color, np.uint8).transpose(1, 0, 2)))
    scale = width / img.size[0]  # fit the side panel
    size = (int(img.size[0] * scale), int(img.size[1] * scale))
    img = img.resize(size, Image.BILINEAR).convert("RGBA")
    d = ImageDraw.Draw(img)

    def px(x: float, y: float) -> tuple[float, float]:  # (column, row) in the transposed image
        return (y - BOUNDS[1, 0]) / PIXEL_SIZE * scale, (x - BOUNDS[0, 0]) / PIXEL_SIZE * scale

    for name in areas:
        x0, x1, y0, y1 = area_rect(name)
        d.rectangle([*px(x0, y0), *px(x1, y1)], outline=AREA_RGB, width=2)
    if trace is not None:
        for xyz, rgb in ((trace.pick, draw.PICK_RGB), (trace.place, draw.PLACE_RGB)):
            c, r = px(xyz[0], xyz[1])
            d.ellipse([c - 6, r - 6, c + 6, r + 6], outline=(0, 0, 0), width=4)
            d.ellipse([c - 6, r - 6, c + 6, r + 6], outline=rgb, width=2)
    d.rectangle([0, 0, size[0] - 1, size[1] - 1], outline=(200, 200, 200), width=1)
    return img


def _why(meta: dict) -> str:
    """What the env saw go wrong, when it says (refused action, nothing picked up, block dropped)."""
    if meta.get("error"):
        return f" - action refused: {meta['error']}"[:90]
    if meta.get("grasped") is False:
        return " - nothing was picked up"
    if meta.get("dropped"):
        return " - the block was dropped on the way"
    return ""


def _outcome(k: int, view: EpisodeView, meta: dict) -> tuple[str, tuple[int, int, int]]:
    reward = view.rewards[k - 1] if k - 1 < len(view.rewards) else 0.0
    total = sum(view.rewards[:k])
    if reward > 1e-6:
        return f"\u2713 step {k} worked: reward {reward:+.2f}   (total {total:.2f})", draw.OK_RGB
    if reward < -1e-6:
        return f"\u2717 step {k} undid progress: reward {reward:+.2f}{_why(meta)}   (total {total:.2f})", draw.FAIL_RGB
    return f"\u2717 step {k} failed: no reward{_why(meta)}   (total {total:.2f})", draw.FAIL_RGB


def _header(view: EpisodeView, k: int, trace: StepTrace | None, width: int, size: int) -> list[tuple[str, tuple]]:
    lines = [(line, draw.DIM_RGB) for line in draw.wrap(f"Goal: {view.goal}", size, width - 16)[:1]]
    if trace is None:
        lines.append((f"Start: {view.task}, seed {view.seed}, up to {view.max_steps} steps", draw.TEXT_RGB))
        return lines
    kind = "new plan" if trace.replanned else "retry"
    text = f"Step {k}/{view.max_steps} ({kind}): {trace.subtask or '(no sub-task)'}"
    lines += [(t, draw.TEXT_RGB) for t in draw.wrap(text, size, width - 16)[:2]]
    if trace.interventions:
        lines.append(("grounding changed the step: " + ", ".join(trace.interventions), AREA_RGB))
    return lines[:4]


def annotate_frame(
    frame: np.ndarray,
    meta: dict,
    view: EpisodeView,
    steps: list[StepTrace],
    final: bool = False,
    start_color: np.ndarray | None = None,
) -> np.ndarray:
    """One recorded frame inside its header, side panel and footer, with its marks drawn on."""
    h, w = frame.shape[:2]
    s = h / 480
    header, footer, side, size = (
        int(HEADER * s) // 8 * 8,
        int(FOOTER * s) // 8 * 8,
        int(SIDE * s) // 8 * 8,
        max(12, int(16 * s)),
    )
    canvas = Image.new("RGBA", (w + side, header + h + footer), (18, 20, 26, 255))
    scene = draw.to_image(frame)
    k, phase = int(meta.get("step", 0)), meta.get("phase", "move")
    trace = steps[k - 1] if 0 < k <= len(steps) else None
    areas = named_areas(view.goal, trace.subtask if trace else "")

    d = ImageDraw.Draw(scene)
    spec = view.camera if view.camera is not None else video_camera(w, h)
    _on_table(d, spec, (BOUNDS[0, 0], BOUNDS[0, 1], BOUNDS[1, 0], BOUNDS[1, 1]), (120, 125, 135), 1)
    for name in areas:
        pts = _on_table(d, spec, area_rect(name), AREA_RGB, 3)
        if pts:
            u, v = min(p[0] for p in pts), min(p[1] for p in pts)
            d.text((u + 4, v - size - 4), f"{name} area", fill=AREA_RGB, font=draw.font(size), stroke_width=2,
                   stroke_fill=(0, 0, 0))  # fmt: skip
    if trace is not None:
        pick, place = project(spec, trace.pick), project(spec, trace.place)
        if pick and place:
            draw.arrow(d, pick, place, (255, 255, 255))
        if pick:
            draw.marker(d, pick, draw.PICK_RGB, "pick", size, w)
        if place:
            draw.marker(d, place, draw.PLACE_RGB, "place", size, w)
    canvas.alpha_composite(scene, (0, header))

    cd = ImageDraw.Draw(canvas)
    for i, (text, rgb) in enumerate(_header(view, k, trace, w + side, size)):
        cd.text((8, 4 + i * int(size * 1.3)), text, fill=rgb, font=draw.font(size))
    inset = _inset(trace, areas, start_color, side - 16)
    if inset is not None:
        cd.text((w + 8, header + 4), "policy's view", fill=draw.DIM_RGB, font=draw.font(max(11, size - 3)))
        cd.text((w + 8, header + 6 + size), "(top-down)", fill=draw.DIM_RGB, font=draw.font(max(11, size - 3)))
        canvas.alpha_composite(inset, (w + (side - inset.size[0]) // 2, header + 2 * size + 16))

    bottom = []
    if trace is not None:
        bottom.append(_outcome(k, view, meta) if phase == "after" else (f"step {k}: carrying it out ...", draw.DIM_RGB))
    if final:
        mark = "\u2713 solved" if view.success else "\u2717 not solved"
        bottom = bottom[:1] + [
            (f"Episode over: score {view.score:.0f}/100, {mark}", draw.OK_RGB if view.success else draw.FAIL_RGB)
        ]
    for i, (text, rgb) in enumerate(bottom):
        cd.text((8, header + h + 4 + i * int(size * 1.3)), text, fill=rgb, font=draw.font(size))
    return draw.to_array(canvas)


def annotate_episode(
    frames: list[np.ndarray],
    frame_meta: list[dict],
    view: EpisodeView,
    steps: list[StepTrace],
    start_color: np.ndarray | None = None,
) -> list[np.ndarray]:
    """The video's frames: every recorded frame annotated and held per its phase; the last one longest."""
    out: list[np.ndarray] = []
    metas = list(frame_meta) + [{"step": 0, "phase": "move"}] * (len(frames) - len(frame_meta))
    if start_color is None and steps:
        start_color = steps[0].color
    for i, (frame, meta) in enumerate(zip(frames, metas)):
        final = i == len(frames) - 1
        image = annotate_frame(frame, meta, view, steps, final=final, start_color=start_color)
        out += [image] * (END_HOLD if final else HOLD.get(meta.get("phase", "move"), 1))
    return out
