"""The README's results table, built from lohovla-eval results files (never typed by hand).

    python -m benchmarks.results_table --runs "lohovla-tiny=benchmarks/results/eval_fidelity_shipped.json" \
        "model alone=benchmarks/results/eval_fidelity_grounding_off.json" --out benchmarks/results/readme_table.json

Prints a markdown table: success rate (%) with its 95% Wilson interval per run and task, LoHoVLA's success rate
(Table 2) beside them, and the mean over A-K; writes the same numbers as JSON, with each run's file, checkpoint
sha256 and commit.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import write_json
from lohovla.evaluation.intervals import rate_interval
from lohovla.evaluation.reference import LETTERS, TABLE2


def load_run(spec: str) -> tuple[str, Path, dict]:
    name, _, path = spec.rpartition("=")
    if not path:
        raise SystemExit(f"--runs takes NAME=PATH, got {spec!r}")
    return name, Path(path), json.loads(Path(path).read_text())


def by_letter(payload: dict) -> dict[str, dict]:
    return {row["letter"]: row for row in payload["per_task"].values() if row.get("letter")}


def cell(row: dict | None) -> str:
    if row is None:
        return "-"
    lo, hi = rate_interval(row)
    return f"{float(row['success_rate']):.0f} ({lo:.0f}-{hi:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", nargs="+", required=True, help="NAME=results.json, in column order")
    parser.add_argument("--out", default="benchmarks/results/readme_table.json")
    args = parser.parse_args()
    runs = [load_run(s) for s in args.runs]
    rows = {name: by_letter(payload) for name, _, payload in runs}
    header = ["", *[f"{name} (n={max(int(r['episodes']) for r in rows[name].values())})" for name, _, _ in runs]]
    header.append("LoHoVLA (paper)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table: dict[str, dict] = {}
    for letter in LETTERS:
        cells = [cell(rows[name].get(letter)) for name, _, _ in runs]
        paper = TABLE2[letter]["lohovla"][1]
        lines.append(f"| {letter} | " + " | ".join(cells) + f" | {paper:.1f} |")
        table[letter] = {name: rows[name].get(letter, {}).get("success_rate") for name, _, _ in runs}
        table[letter]["LoHoVLA"] = paper
    means = []
    for name, _, _ in runs:
        rates = [rows[name][x]["success_rate"] for x in LETTERS if x in rows[name]]
        means.append(f"**{sum(rates) / len(rates):.1f}**" if len(rates) == len(LETTERS) else "-")
    paper_mean = sum(TABLE2[x]["lohovla"][1] for x in LETTERS) / len(LETTERS)
    lines.append("| mean A-K | " + " | ".join(means) + f" | **{paper_mean:.1f}** |")
    print("\n".join(lines))
    planning, plan_lines = planning_table(runs, rows)
    print("\nPlanning accuracy (% of planned sub-tasks the oracle would accept):\n" + "\n".join(plan_lines))
    sources = {
        name: {
            "file": str(path),
            "checkpoint_sha256": payload.get("config", {}).get("provenance", {}).get("checkpoint_sha256"),
            "commit": payload.get("config", {}).get("provenance", {}).get("commit"),
        }
        for name, path, payload in runs
    }
    payload = {"success_rate": table, "planning_accuracy": planning, "sources": sources, "markdown": "\n".join(lines)}
    write_json({**payload, "planning_markdown": "\n".join(plan_lines)}, args.out)


def planning_table(runs: list, rows: dict[str, dict]) -> tuple[dict[str, dict], list[str]]:
    """Per task, the planning accuracy of each run that plans (a vanilla VLA writes no sub-task)."""
    names = [n for n, _, _ in runs if any(r.get("planning_accuracy") is not None for r in rows[n].values())]
    lines = ["| | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
    table: dict[str, dict] = {}
    for letter in LETTERS:
        table[letter] = {n: rows[n].get(letter, {}).get("planning_accuracy") for n in names}
        lines.append(
            f"| {letter} | " + " | ".join("-" if v is None else f"{v:.0f}" for v in table[letter].values()) + " |"
        )
    return table, lines


if __name__ == "__main__":
    main()
