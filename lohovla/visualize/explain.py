"""Why a step happened: one PNG per step (heightmap, pick and place score maps, chosen points, planned sub-task,
grounding checks that intervened) and a contact sheet per episode (one row per step).

Everything is drawn in workspace coordinates, turned to read as the task words do ("top" is x < 0.5, up; "left" is
y < 0, left), so maps of any resolution line up with the heightmap. Reads Step.explain with .get:
"pick_scores" / "place_scores" (H x W maps over the workspace), "pick_px" / "place_px" (the chosen cells,
(row, col) of those maps), "model_pick_px" / "model_place_px" (where the model's own maps peaked, when a check
moved the choice), "subtask_before_checks"; what is missing is said on the image, never guessed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lohovla.data.atomic import atomic_path
from lohovla.envs.layout import area_rect
from lohovla.envs.spec import BOUNDS
from lohovla.visualize.annotate import named_areas
from lohovla.visualize.trace import StepTrace

# Axes: horizontal = world y (left, y < 0, on the left), vertical = world x (top, x < 0.5, at the top).
EXTENT = [BOUNDS[1, 0], BOUNDS[1, 1], BOUNDS[0, 1], BOUNDS[0, 0]]
PICK, PLACE = "#00c8ff", "#ff3cc8"
DPI = 80


def cell_to_world(px, shape: tuple[int, ...]) -> tuple[float, float]:
    """(x, y) in metres of the centre of cell (row, col) of an H x W map spanning the workspace (rows: y)."""
    rows, cols = shape[:2]
    row, col = float(px[0]), float(px[1])
    y = BOUNDS[1, 0] + (row + 0.5) * (BOUNDS[1, 1] - BOUNDS[1, 0]) / rows
    x = BOUNDS[0, 0] + (col + 0.5) * (BOUNDS[0, 1] - BOUNDS[0, 0]) / cols
    return x, y


def _show(ax, image, title: str, cmap: str | None = None, vmax: float | None = None) -> None:
    lo = 0.0 if vmax is not None else None
    ax.imshow(
        np.swapaxes(np.asarray(image), 0, 1),
        extent=EXTENT,
        cmap=cmap,
        interpolation="nearest",
        aspect="equal",
        vmin=lo,
        vmax=vmax,
    )
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])


def _mark(ax, x: float, y: float, color: str, label: str, marker: str = "o") -> None:
    """A mark at world (x, y), drawn at (y, x) on the turned axes."""
    ax.plot([y], [x], marker=marker, ms=11, mfc="none", mec="black", mew=3.5)
    ax.plot([y], [x], marker=marker, ms=11, mfc="none", mec=color, mew=2, label=label)


def _map_panel(ax, trace: StepTrace, key: str, px_key: str, name: str, color: str) -> None:
    scores = trace.explain.get(key)
    if scores is None:
        ax.set_facecolor("#222")
        ax.set_xlim(EXTENT[0], EXTENT[1])
        ax.set_ylim(EXTENT[2], EXTENT[3])
        ax.set_aspect("equal")
        ax.text(0.5, 0.5, f"no {name} score map\nin Step.explain", ha="center", va="center", color="w",
                transform=ax.transAxes)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name} scores\n", fontsize=10)
        return
    scores = np.asarray(scores, dtype=np.float32)
    _show(ax, scores, f"{name} scores\n(peak {np.nanmax(scores):.2g})", cmap="magma")
    px = trace.explain.get(px_key)
    if px is not None:
        x, y = cell_to_world(px, scores.shape)
        _mark(ax, x, y, "white", f"map's choice {tuple(int(v) for v in px)}", marker="s")
    model_px = trace.explain.get(f"model_{px_key}")
    if model_px is not None and (px is None or tuple(int(v) for v in model_px) != tuple(int(v) for v in px)):
        x, y = cell_to_world(model_px, scores.shape)
        _mark(ax, x, y, "#ffd25a", "model's own peak", marker="X")
    point = trace.pick if name == "pick" else trace.place
    _mark(ax, point[0], point[1], color, f"action's {name}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.01), fontsize=7, frameon=False)


def _text(trace: StepTrace, k: int, reward: float | None, goal: str) -> str:
    before = trace.explain.get("subtask_before_checks")
    checks = ", ".join(trace.interventions) if trace.interventions else "none"
    lines = [
        f"step {k}  ({'new plan' if trace.replanned else 'retry of the same sub-task'})",
        f"goal: {goal}",
        f"planned: {trace.subtask or '(none)'}",
    ]
    if before is not None and before != trace.subtask:
        lines.append(f"model proposed: {before}")
    lines += [
        f"grounding checks that intervened: {checks}",
        f"pick  x={trace.pick[0]:.3f} y={trace.pick[1]:.3f} z={trace.pick[2]:.3f}",
        f"place x={trace.place[0]:.3f} y={trace.place[1]:.3f} z={trace.place[2]:.3f}",
    ]
    if reward is not None:
        lines.append(f"outcome: reward {reward:+.2f}" + ("  (worked)" if reward > 1e-6 else "  (FAILED)"))
    return "\n".join(lines)


def explain_figure(trace: StepTrace, k: int, reward: float | None, goal: str):
    """A matplotlib figure for one step (caller closes it)."""
    import matplotlib

    matplotlib.use("Agg")
    import textwrap

    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(13, 6.4), dpi=DPI)  # maps are twice as wide as tall once turned: two rows of two
    grid = fig.add_gridspec(2, 3, width_ratios=[1, 1, 1.1], wspace=0.06, hspace=0.45)
    axes = [fig.add_subplot(grid[r, c]) for r, c in ((0, 0), (0, 1), (1, 0), (1, 1))] + [fig.add_subplot(grid[:, 2])]
    if trace.color is not None:
        _show(axes[0], trace.color, "observation\n(colour)")
        _mark(axes[0], trace.pick[0], trace.pick[1], PICK, "pick")
        _mark(axes[0], trace.place[0], trace.place[1], PLACE, "place")
        axes[0].annotate("", (trace.place[1], trace.place[0]), (trace.pick[1], trace.pick[0]),
                         arrowprops={"arrowstyle": "->", "color": "white", "lw": 1.5})  # fmt: skip
    for name in named_areas(goal, trace.subtask):
        x0, x1, y0, y1 = area_rect(name)
        axes[0].add_patch(plt.Rectangle((y0, x0), y1 - y0, x1 - x0, fill=False, ec="#ffd25a", lw=2))
        axes[0].text(y0 + 0.01, x0 + 0.03, name, color="#ffd25a", fontsize=8)
    if trace.height is not None:
        _show(axes[1], trace.height, "height\n(0 to 0.1 m)", cmap="viridis", vmax=0.1)
    _map_panel(axes[2], trace, "pick_scores", "pick_px", "pick", PICK)
    _map_panel(axes[3], trace, "place_scores", "place_px", "place", PLACE)
    axes[4].axis("off")
    wrapped = "\n".join(
        textwrap.fill(line, 50, subsequent_indent="   ") for line in _text(trace, k, reward, goal).split("\n")
    )
    axes[4].text(0.02, 0.98, wrapped, va="top", ha="left", fontsize=9, family="DejaVu Sans Mono",
                 transform=axes[4].transAxes)  # fmt: skip
    return fig


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    with atomic_path(path, sync=False) as tmp:
        fig.savefig(tmp, dpi=DPI, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def write_explanations(steps: list[StepTrace], rewards: list[float], goal: str, out_dir: str | Path) -> list[Path]:
    """step_01.png, step_02.png, ... and contact_sheet.png (the steps stacked, one row each) in `out_dir`."""
    from PIL import Image

    out = Path(out_dir)
    paths = []
    for k, trace in enumerate(steps, start=1):
        reward = rewards[k - 1] if k - 1 < len(rewards) else None
        paths.append(_save(explain_figure(trace, k, reward, goal), out / f"step_{k:02d}.png"))
    if paths:
        rows = [Image.open(p).convert("RGB") for p in paths]
        width = max(r.size[0] for r in rows)
        sheet = Image.new("RGB", (width, sum(r.size[1] for r in rows)), "white")
        top = 0
        for r in rows:
            sheet.paste(r, (0, top))
            top += r.size[1]
        with atomic_path(out / "contact_sheet.png", sync=False) as tmp:
            sheet.save(tmp, format="PNG", optimize=True)
        paths.append(out / "contact_sheet.png")
    return paths
