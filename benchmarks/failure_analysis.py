"""Why episodes fail, per task, from lohovla-eval results files (run it on val: the failure analysis of issue 18).

    python -m benchmarks.failure_analysis outputs/val-alone/results.json outputs/val-shipped/results.json

A failed episode is put in one of two groups:
- planning: some planned sub-task was one the oracle would not accept; of these, "off-split colour" counts the
  ones whose first wrong sub-task names a colour the split's long-horizon scenes never show (val and test scenes
  use the EVAL colours: a TRAIN-only colour such as brown is absent, except as a distractor of B, C, F or I,
  whose distractors take colours from all 11), the colour-naming failure;
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
from lohovla.envs.spec import ALL_COLORS, long_horizon_colors

COLOR_WORDS = re.compile(r"\b(" + "|".join(sorted(ALL_COLORS, key=len, reverse=True)) + r")\b")


def template(subtask: str) -> str:
    return COLOR_WORDS.sub("<color>", subtask)


def off_split_colour(subtask: str, split: str) -> bool:
    """Whether the sub-task names a colour that no long-horizon scene of `split` shows."""
    return any(word not in long_horizon_colors(split) for word in COLOR_WORDS.findall(subtask))


def analyse(payload: dict) -> dict[str, dict]:
    """task -> counts of successes, planning failures (and off-split colours), acting failures, top wrong templates."""
    split = payload["config"]["split"]
    out: dict[str, dict] = {}
    for ep in payload["episodes"]:
        new = {"episodes": 0, "success": 0, "planning": 0, "off_split_colour": 0, "acting": 0, "wrong": Counter()}
        row = out.setdefault(ep["task"], new)
        row["episodes"] += 1
        if ep["success"]:
            row["success"] += 1
            continue
        wrong = [s for s, ok in zip(ep["subtasks"], ep.get("plan_correct", [])) if not ok]
        row["planning" if wrong else "acting"] += 1
        if wrong:
            row["wrong"][template(wrong[0])] += 1
            row["off_split_colour"] += "primitive" not in ep["task"] and off_split_colour(wrong[0], split)
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
        print("| | task | success | planning failures (off-split colour) | acting failures | first wrong sub-task |")
        print("|---|---|---|---|---|---|")
        for task, r in rows.items():
            top = "; ".join(f"{t} ({n})" for t, n in r["wrong"][:1]) or "-"
            print(
                f"| {letters.get(task, '-')} | {task} | {r['success']}/{r['episodes']} | {r['planning']} "
                f"({r['off_split_colour']}) | "
                f"{r['acting']} | {top} |"
            )
        report[path] = {"config": payload["config"], "per_task": rows}
    write_json(report, args.out)


if __name__ == "__main__":
    main()
