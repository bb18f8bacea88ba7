"""Two results files side by side (before/after a change): a chart and a table of the differences, each with
its 95% interval, so a change is not read into noise (20-100 episodes per task move a rate by several points)."""

from __future__ import annotations

import json
from pathlib import Path

from lohovla.data.atomic import atomic_path
from lohovla.evaluation.intervals import difference_interval, fmt_interval
from lohovla.evaluation.paired import paired
from lohovla.evaluation.plots import compare_chart
from lohovla.evaluation.report import ordered_rows


def load_results(path: str | Path) -> dict:
    """A results.json, or the lohovla-eval output folder that holds one."""
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"no results file at {path}")
    payload = json.loads(path.read_text())
    if "per_task" not in payload:
        raise ValueError(f"{path} is not a lohovla-eval results.json (no per_task)")
    return payload


def compare_markdown(before: dict, after: dict, names: tuple[str, str] = ("before", "after")) -> str:
    """Per shared task: both success rates with intervals, the difference with its interval, and whether it
    is clear of zero (*)."""
    lines = [
        f"# {names[0]} vs {names[1]}",
        "",
        f"{names[0]}: {before['config'].get('policy')}, {before['config'].get('split')} split, "
        f"{before['config'].get('episodes')} episodes per task. {names[1]}: {after['config'].get('policy')}, "
        f"{after['config'].get('split')} split, {after['config'].get('episodes')} episodes per task.",
        "Success rate (%) [95% Wilson interval]; difference in points [95% Newcombe interval];",
        "* = the difference's interval excludes 0. Won / lost: episodes of the same seed that only the second /",
        "only the first run succeeded (paired.py; empty where the runs share no seed).",
        "",
        f"| | task | {names[0]} succ | {names[1]} succ | difference | won / lost | {names[0]} score "
        f"| {names[1]} score |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ordered_rows(after):
        b = before["per_task"].get(r["task"])
        if b is None:
            continue
        d, lo, hi = difference_interval(b, r)
        clear = " *" if lo > 0 or hi < 0 else ""
        pair = paired(before, after, r["task"])
        pairs = f"{pair.won} / {pair.lost}" if pair.shared else ""
        lines.append(
            f"| {r.get('letter') or ''} | {r['task']} | {fmt_interval(b)} | {fmt_interval(r)} "
            f"| {d:+.1f} [{lo:+.1f}, {hi:+.1f}]{clear} | {pairs} | {b['mean_score']:.1f} | {r['mean_score']:.1f} |"
        )
    total = paired(before, after)
    if total.shared:
        lines += [
            "",
            f"Same seeds, {total.shared} episodes: {names[1]} wins {total.won} and loses {total.lost} "
            f"(two-sided sign test p = {total.p_value:.3g}).",
        ]
    return "\n".join(lines) + "\n"


def write_comparison(before_path, after_path, out_dir, names: tuple[str, str] = ("before", "after")) -> dict[str, Path]:
    """compare.md and compare.png in `out_dir`."""
    before, after = load_results(before_path), load_results(after_path)
    out = Path(out_dir)
    paths = {"md": out / "compare.md", "png": out / "compare.png"}
    with atomic_path(paths["md"], sync=False) as tmp:
        tmp.write_text(compare_markdown(before, after, names))
    compare_chart(before, after, paths["png"], names)
    return paths
