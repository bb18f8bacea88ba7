"""Write an evaluation: results.json, results.md (LoHoVLA Table 2 layout, 95% Wilson intervals) and results.png.

Beside ours: the vanilla-VLA baseline we trained (a results file, `baseline`) and LoHoVLA's paper row. The
functions take an EvalResult or the dict of a results.json, so two files can be compared (compare.py).
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

from lohovla.data.atomic import atomic_path
from lohovla.evaluation.evaluate import EvalResult
from lohovla.evaluation.intervals import fmt_interval
from lohovla.evaluation.reference import TABLE2


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def machine() -> str:
    import os

    return f"{platform.machine()} {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}"


def as_payload(result: EvalResult | dict) -> dict[str, Any]:
    return result.to_dict() if isinstance(result, EvalResult) else result


def ordered_rows(payload: dict) -> list[dict]:
    """Per-task rows in Table 2 order: seen A-E, unseen F-K, then tasks outside the table by name."""
    rows = payload["per_task"].values()
    return sorted(
        rows, key=lambda r: (r.get("letter") is None, not r.get("seen", True), r.get("letter") or "", r["task"])
    )


def load_baseline(path: str | Path | None) -> dict | None:
    """A results.json to show beside ours (e.g. the vanilla VLA we trained); None when absent."""
    if not path or not Path(path).exists():
        return None
    return json.loads(Path(path).read_text())


def _provenance_lines(cfg: dict) -> list[str]:
    prov = cfg.get("provenance") or {}
    if not prov:
        return []
    commit = prov.get("commit", "unknown") + (" (with uncommitted changes)" if prov.get("dirty") else "")
    settings = prov.get("settings") or {}
    lines = [
        f"Code: {commit}. Checkpoint: {prov.get('checkpoint') or '-'}, sha256 `{prov.get('checkpoint_sha256') or '-'}`."
    ]
    if settings:
        keep = {k: settings[k] for k in ("decoder", "replan", "grounding", "flow_steps") if k in settings}
        lines.append(f"Settings: `{json.dumps(keep, sort_keys=True)}`.")
    return lines


def results_markdown(result: EvalResult | dict, baseline: dict | None = None) -> str:
    """Rows in the order of LoHoVLA's Table 2: ours with 95% Wilson intervals, our baseline, the paper's rows."""
    payload = as_payload(result)
    cfg = payload["config"]
    base_rows = (baseline or {}).get("per_task", {})
    base_name = (baseline or {}).get("config", {}).get("policy", "baseline")
    lines = [
        f"# Evaluation: {cfg.get('policy')} on the {cfg.get('split')} split",
        "",
        f"{cfg.get('episodes')} episodes per task, mode `{cfg.get('mode')}`, "
        f"machine: {payload.get('machine', machine())}.",
        *_provenance_lines(cfg),
        "Score = average score (0-100), Succ = success rate (%) with its 95% Wilson interval [low, high].",
        f"Baseline = {base_name} (our run, same split)." if baseline else "No baseline results file was given.",
        "Paper numbers: LoHoVLA Table 2 (200 test episodes per task).",
        "",
        "| | task | seen | ours score | ours succ [95% CI] | baseline score | baseline succ [95% CI] "
        "| LoHoVLA score | LoHoVLA succ | Vanilla VLA score | Vanilla VLA succ | planning acc. "
        "| decision ms (median) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in ordered_rows(payload):
        paper = TABLE2.get(r.get("letter") or "", {})
        lo, va = paper.get("lohovla", (None, None)), paper.get("vanilla", (None, None))
        b = base_rows.get(r["task"])
        lines.append(
            f"| {r.get('letter') or ''} | {r['task']} | {'seen' if r.get('seen') else 'unseen'} "
            f"| {_fmt(r['mean_score'])} "
            f"| {fmt_interval(r)} | {_fmt(b['mean_score']) if b else '-'} | {fmt_interval(b)} "
            f"| {_fmt(lo[0])} | {_fmt(lo[1])} | {_fmt(va[0])} | {_fmt(va[1])} "
            f"| {_fmt(r.get('planning_accuracy'))} | {_fmt(r.get('decision_ms_median'))} |"
        )
    crashed = [e for e in payload.get("episodes", []) if e.get("crashed")]
    if crashed:
        lines += ["", f"**{len(crashed)} episode(s) raised and count as failures:**", ""]
        lines += [f"- {e['task']} seed {e['seed']}: {e['crashed']}" for e in crashed[:20]]
    return "\n".join(lines) + "\n"


def write_report(result: EvalResult, out_dir: str | Path, baseline: str | Path | None = None) -> dict[str, Path]:
    """results.json, results.md and results.png in `out_dir`, each written atomically."""
    from lohovla.evaluation.plots import success_chart

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "md": out / "results.md", "png": out / "results.png"}
    payload: dict[str, Any] = result.to_dict()
    payload["machine"] = machine()
    base = load_baseline(baseline)
    with atomic_path(paths["json"], sync=False) as tmp:
        tmp.write_text(json.dumps(payload, indent=1))
    with atomic_path(paths["md"], sync=False) as tmp:
        tmp.write_text(results_markdown(payload, base))
    success_chart(payload, paths["png"], base)
    return paths
