"""Success-rate charts with 95% Wilson intervals: one results file beside its baseline and the paper, or two
results files side by side (before/after a change). Seen tasks (A-E) and unseen (F-K) are grouped apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lohovla.data.atomic import atomic_path
from lohovla.evaluation.intervals import rate_interval
from lohovla.evaluation.reference import TABLE2

COLORS = {"ours": "#1f77b4", "baseline": "#ff7f0e", "paper": "#9a9a9a", "before": "#9ecae1", "after": "#1f77b4"}


def _positions(rows: list[dict]) -> tuple[np.ndarray, list[str], list[tuple[float, float, str]]]:
    """x of each task with a gap between the seen and unseen groups, tick labels, and (start, end, name) of groups."""
    xs, labels, groups, x = [], [], [], 0.0
    current, start = None, 0.0
    for r in rows:
        group = "seen" if r.get("seen") else "unseen"
        if current is not None and group != current:
            groups.append((start, x - 1, current))
            x += 0.8
        if group != current:
            current, start = group, x
        xs.append(x)
        labels.append(r.get("letter") or r["task"][:14])
        x += 1
    if current is not None:
        groups.append((start, x - 1, current))
    return np.array(xs), labels, groups


def _bars(ax, xs, offset, width, rows, key, label, color, with_ci=True, hatch=None):
    values, errs = [], [[], []]
    for r in rows:
        if r is None:
            values.append(np.nan)
            errs[0].append(0)
            errs[1].append(0)
            continue
        v = r["success_rate"]
        lo, hi = rate_interval(r) if with_ci else (v, v)
        values.append(v)
        errs[0].append(max(0.0, v - lo))
        errs[1].append(max(0.0, hi - v))
    kw = {"yerr": errs, "capsize": 2, "error_kw": {"lw": 0.8}} if with_ci else {}
    ax.bar(xs + offset, values, width, label=label, color=color, hatch=hatch, edgecolor="white", **kw)


def _finish(ax, fig, xs, labels, groups, title: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    ax.set_xticks(xs, labels)
    ax.set_ylabel("success rate (%)")
    ax.set_ylim(0, 112)
    for start, end, name in groups:
        ax.text((start + end) / 2, 106, name, ha="center", fontsize=9, color="#444")
        ax.axvspan(start - 0.45, end + 0.45, color="#f3f3f3" if name == "seen" else "#e9eef5", zorder=-1)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    with atomic_path(path, sync=False) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def _figure(n: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(max(6.0, 0.75 * n + 3.5), 3.8))


def success_chart(payload: dict, path: Path, baseline: dict | None = None) -> None:
    """Ours (with 95% Wilson intervals), our baseline run (same) and LoHoVLA's paper row, per task."""
    from lohovla.evaluation.report import ordered_rows

    rows = ordered_rows(payload)
    xs, labels, groups = _positions(rows)
    fig, ax = _figure(len(rows))
    cfg = payload["config"]
    series = [("ours", rows, f"ours ({cfg.get('policy')})", True)]
    if baseline is not None:
        base = [baseline["per_task"].get(r["task"]) for r in rows]
        series.append(("baseline", base, f"{baseline['config'].get('policy')} (our baseline run)", True))
    paper = [
        {"success_rate": TABLE2[r["letter"]]["lohovla"][1], "episodes": 200} if r.get("letter") in TABLE2 else None
        for r in rows
    ]
    series.append(("paper", paper, "LoHoVLA (paper)", False))
    width = 0.8 / len(series)
    for i, (key, srows, label, ci) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * width
        _bars(ax, xs, offset, width, srows, key, label, COLORS[key], with_ci=ci, hatch="//" if key == "paper" else None)
    title = f"{cfg.get('split')} split, {cfg.get('episodes')} episodes per task; error bars: 95% Wilson intervals"
    _finish(ax, fig, xs, labels, groups, title, path)


def compare_chart(before: dict, after: dict, path: Path, names: tuple[str, str] = ("before", "after")) -> None:
    """Two results files side by side on the tasks they share, with 95% Wilson intervals."""
    from lohovla.evaluation.report import ordered_rows

    rows = [r for r in ordered_rows(after) if r["task"] in before["per_task"]]
    if not rows:
        raise ValueError("the two results files share no task")
    xs, labels, groups = _positions(rows)
    fig, ax = _figure(len(rows))
    _bars(ax, xs, -0.2, 0.4, [before["per_task"][r["task"]] for r in rows], "before", names[0], COLORS["before"])
    _bars(ax, xs, 0.2, 0.4, rows, "after", names[1], COLORS["after"])
    title = f"{names[0]} vs {names[1]} ({after['config'].get('split')} split); error bars: 95% Wilson intervals"
    _finish(ax, fig, xs, labels, groups, title, path)
