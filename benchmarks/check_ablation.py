"""Does each grounding check earn its place? Paired val episodes with every check on and with one check off.

    python -m benchmarks.check_ablation --on outputs/val50/all_on/results.json \
        --off "color_bias=outputs/val50/color_bias_off/results.json" "object_check=..." \
        --out benchmarks/results/check_ablation_val.json

Each off-run uses the same seeds as the all-on run, so an episode differs only where the check acted. A task the
off-run skipped counts as the all-on run's episodes, which is exact only where the check never intervened there
with all checks on (checked: such a task is refused). Prints, per check, the success rate per task with the
check off, the mean over A-K, the paired change (off minus on), the episodes it turned from success to failure
and back, and a verdict: a check helps when switching it off loses more episodes than it wins.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_json
from lohovla.evaluation.paired import episodes_by_key, paired
from lohovla.evaluation.reference import LETTERS
from lohovla.policies.lohovla.grounding_config import CHECKS, switch_off


def intervened_tasks(payload: dict, check: str) -> set[str]:
    """Tasks where `check` changed at least one decision (the all-on run's per-task intervention counts)."""
    return {task for task, row in payload["per_task"].items() if row.get("interventions", {}).get(check)}


def same_policy_but(on: dict, off: dict, check: str) -> None:
    """The two runs must differ only in the check's switch: the same weights and every other setting (a run that
    decoded with other settings, e.g. another refer_lm_weight, would credit the check with their difference)."""
    prov = [run.get("config", {}).get("provenance") for run in (on, off)]
    if not all(prov):
        return  # a payload without provenance (older files, tests): nothing to compare
    if prov[0].get("checkpoint_sha256") != prov[1].get("checkpoint_sha256"):
        raise SystemExit(f"{check}: the on- and off-runs measured different checkpoints (sha256 differs)")
    (switch,) = switch_off(check)
    a, b = (dict(p.get("settings", {})) for p in prov)
    a["grounding"], b["grounding"] = (
        {k: v for k, v in (s.get("grounding") or {}).items() if k != switch} for s in (a, b)
    )
    differ = sorted(k for k in set(a) | set(b) if k != "name" and a.get(k) != b.get(k))
    if differ:
        raise SystemExit(f"{check}: the on- and off-runs differ in more than its switch: settings {differ}")


def compare(on: dict, off: dict, check: str) -> dict[str, Any]:
    """Per task and overall: success with the check off (skipped tasks taken from `on`), and paired flips."""
    same_policy_but(on, off, check)
    on_eps, off_eps = episodes_by_key(on), episodes_by_key(off)
    skipped = {task for task in on["per_task"] if task not in off["per_task"]}
    unsafe = skipped & intervened_tasks(on, check)
    if unsafe:
        raise SystemExit(f"{check}: the off-run skipped {sorted(unsafe)}, where the check intervened")
    per_task, lost, won = {}, 0, 0
    for task, row in on["per_task"].items():
        keys = [k for k in on_eps if k[0] == task]
        if task in skipped:
            rate = float(row["success_rate"])
        else:
            missing = [k for k in keys if k not in off_eps]
            if missing:
                raise SystemExit(f"{check}: the off-run lacks {len(missing)} of the on-run's {task} episodes")
            rate = 100.0 * sum(off_eps[k] for k in keys) / len(keys)
            flips = paired(on, off, task)  # the off-run's wins and losses against the on-run, seed for seed
            lost, won = lost + flips.lost, won + flips.won
        per_task[row["letter"]] = rate
    mean = sum(per_task[x] for x in LETTERS) / len(LETTERS)
    rerun = sorted(set(on["per_task"]) - skipped)
    return {
        "success_rate": per_task,
        "mean": mean,
        "lost_without": lost,
        "won_without": won,
        "rerun_tasks": rerun,
        "helps": lost > won,
    }


def off_runs(on: dict) -> list[tuple[str, list[str], str]]:
    """The off-runs one round needs: (check, the tasks where it intervened, its lohovla-eval grounding override),
    for every check that intervened at all in the all-on run (scripts/ablate_checks.sh runs them)."""
    plan = []
    for check in CHECKS:
        tasks = sorted(intervened_tasks(on, check))
        if tasks:
            ((name, value),) = switch_off(check).items()
            plan.append((check, tasks, f"{name}: {json.dumps(value)}"))
    return plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--on", required=True, help="results.json with every check on")
    parser.add_argument("--off", nargs="+", help="CHECK=results.json with that check off")
    parser.add_argument("--plan", action="store_true", help="print the off-runs to make: check, tasks, override")
    parser.add_argument("--out", default="benchmarks/results/check_ablation_val.json")
    args = parser.parse_args()
    on = json.loads(Path(args.on).read_text())
    if args.plan:
        for check, tasks, override in off_runs(on):
            print(f"{check}\t{','.join(tasks)}\t{override}")
        return
    if not args.off:
        raise SystemExit("--off CHECK=PATH ... is required (or --plan)")
    base = {row["letter"]: float(row["success_rate"]) for row in on["per_task"].values()}
    rows: dict[str, Any] = {"all checks on": {"success_rate": base, "mean": sum(base.values()) / len(base)}}
    files = {"all checks on": args.on}
    for spec in args.off:
        check, _, path = spec.partition("=")
        if not path:
            raise SystemExit(f"--off takes CHECK=PATH, got {spec!r}")
        rows[f"{check} off"] = compare(on, json.loads(Path(path).read_text()), check)
        files[f"{check} off"] = path
    columns = ["", *LETTERS, "mean", "lost without", "won without", "verdict"]
    table = []
    for name, r in rows.items():
        verdict = {True: "helps", False: "does not help"}.get(r.get("helps"), "-")
        cells = [name, *(round(r["success_rate"][x]) for x in LETTERS), round(r["mean"], 1)]
        cells += [r.get("lost_without", "-"), r.get("won_without", "-"), verdict]
        table.append(dict(zip(columns, cells)))
    print_table(table, columns)
    prov = on["config"]["provenance"]
    meta = {"split": on["config"]["split"], "episodes_per_task": on["config"]["episodes"]}
    meta |= {"checkpoint_sha256": prov["checkpoint_sha256"], "commit": prov["commit"], "files": files}
    write_json({**meta, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
