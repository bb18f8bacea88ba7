"""Why episodes fail, per task, from lohovla-eval results files (run it on val: the failure analysis of issue 18).

    python -m benchmarks.failure_analysis outputs/val-alone/results.json outputs/val-shipped/results.json

A failed episode is put in one of two groups:
- planning: some planned sub-task was one the oracle would not accept;
- acting: every sub-task was acceptable, yet the goal was not reached (a grasp or place missed, steps ran out).
The most frequent wrong sub-tasks are listed as templates (colour words replaced by <color>), which shows what the
planner has not learned. Prints a table per file and writes benchmarks/results/failure_analysis.json.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from benchmarks.common import write_json
from envs.spec import ALL_COLORS

COLOR_WORDS = re.compile(r"\b(" + "|".join(sorted(ALL_COLORS, key=len, reverse=True)) + r")\b")


def template(subtask: str) -> str:
    return COLOR_WORDS.sub("<color>", subtask)


def analyse(payload: dict) -> dict[str, dict]:
    """task -> counts of successes, planning failures, acting failures, and the top wrong sub-task templates."""
    out: dict[str, dict] = {}
    for ep in payload["episodes"]:
        row = out.setdefault(ep["task"], {"episodes": 0, "success": 0, "planning": 0, "acting": 0, "wrong": Counter()})
        row["episodes"] += 1
        if ep["success"]:
            row["success"] += 1
            continue
        wrong = [s for s, ok in zip(ep["subtasks"], ep.get("plan_correct", [])) if not ok]
        row["planning" if wrong else "acting"] += 1
        if wrong:
            row["wrong"][template(wrong[0])] += 1
    for row in out.values():
        row["wrong"] = row["wrong"].most_common(3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", nargs="+", help="lohovla-eval results.json files")
    ap.add_argument("--out", default="benchmarks/results/failure_analysis.json")
    args = ap.parse_args()
    report = {}
    for path in args.results:
        payload = json.loads(Path(path).read_text())
        letters = {t: r.get("letter") or "-" for t, r in payload["per_task"].items()}
        rows = analyse(payload)
        print(
            f"\n{path} ({payload['config']['policy']} {payload['config'].get('policy_kwargs') or ''}, "
            f"{payload['config']['split']})"
        )
        print("| | task | success | planning failures | acting failures | first wrong sub-task (most frequent) |")
        print("|---|---|---|---|---|---|")
        for task, r in rows.items():
            top = "; ".join(f"{t} ({n})" for t, n in r["wrong"][:1]) or "-"
            print(
                f"| {letters.get(task, '-')} | {task} | {r['success']}/{r['episodes']} | {r['planning']} | "
                f"{r['acting']} | {top} |"
            )
        report[path] = {"config": payload["config"], "per_task": rows}
    write_json(report, args.out)


if __name__ == "__main__":
    main()
