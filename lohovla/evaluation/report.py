"""Write an evaluation: results.json, results.md (LoHoVLA Table 2 layout) and a bar chart PNG."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from lohovla.evaluation.evaluate import EvalResult
from lohovla.evaluation.reference import TABLE2


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def machine() -> str:
    import os

    return f"{platform.machine()} {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}"


def results_markdown(result: EvalResult) -> str:
    """Rows in the order of LoHoVLA's Table 2; their LoHoVLA and vanilla VLA numbers beside ours."""
    cfg = result.config
    lines = [
        f"# Evaluation: {cfg.get('policy')} on the {cfg.get('split')} split",
        "",
        f"{cfg.get('episodes')} episodes per task, mode `{cfg.get('mode')}`, machine: {machine()}.",
        "Score = average score (0-100), Succ = success rate (%). Paper numbers: LoHoVLA Table 2.",
        "",
        "| | task | seen | ours score | ours succ | LoHoVLA score | LoHoVLA succ | Vanilla VLA score "
        "| Vanilla VLA succ | planning acc. | decision ms (median) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = sorted(result.per_task.values(), key=lambda r: (r["letter"] is None, r["letter"] or "", r["task"]))
    for r in rows:
        paper = TABLE2.get(r["letter"] or "", {})
        lo, va = paper.get("lohovla", (None, None)), paper.get("vanilla", (None, None))
        lines.append(
            f"| {r['letter'] or ''} | {r['task']} | {'seen' if r['seen'] else 'unseen'} | {_fmt(r['mean_score'])} "
            f"| {_fmt(r['success_rate'])} | {_fmt(lo[0])} | {_fmt(lo[1])} | {_fmt(va[0])} | {_fmt(va[1])} "
            f"| {_fmt(r['planning_accuracy'])} | {_fmt(r['decision_ms_median'])} |"
        )
    crashed = [e for e in result.episodes if e.get("crashed")]
    if crashed:
        lines += ["", f"**{len(crashed)} episode(s) raised and count as failures:**", ""]
        lines += [f"- {e['task']} seed {e['seed']}: {e['crashed']}" for e in crashed[:20]]
    return "\n".join(lines) + "\n"


def bar_chart(result: EvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    rows = sorted(result.per_task.values(), key=lambda r: (r["letter"] is None, r["letter"] or "", r["task"]))
    labels = [r["letter"] or r["task"][:12] for r in rows]
    ours = [r["success_rate"] for r in rows]
    paper = [TABLE2.get(r["letter"] or "", {}).get("lohovla", (0, 0))[1] or 0 for r in rows]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(rows) + 2), 3.6))
    ax.bar(x - 0.2, ours, 0.4, label=f"ours ({result.config.get('policy')})")
    ax.bar(x + 0.2, paper, 0.4, label="LoHoVLA (paper)")
    ax.set_xticks(x, labels)
    ax.set_ylabel("success rate (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"{result.config.get('split')} split, {result.config.get('episodes')} episodes per task")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_report(result: EvalResult, out_dir: str | Path) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "md": out / "results.md", "png": out / "results.png"}
    payload: dict[str, Any] = result.to_dict()
    payload["machine"] = machine()
    tmp = paths["json"].with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(paths["json"])
    paths["md"].write_text(results_markdown(result))
    bar_chart(result, paths["png"])
    return paths
