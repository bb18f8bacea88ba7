"""Fidelity benchmark: do our A-K tasks pose the public LoHoRavens code's problems? (issue 16)

    python -m benchmarks.fidelity --lohoravens PATH [--scenes 20] [--train-scenes 10] [--oracle-episodes 8]

PATH is a LoHoRavens checkout (the paper's v1 task set is commit cdba8da). Nothing of it is vendored: its own
virtual environment is built once under ~/.cache/lohovla/lohoravens-venv (benchmarks/fidelity_venv.py), and
benchmarks/fidelity_original.py runs there, building the original's scenes headless with its own seeding and
running its own oracle. Its records are cached per (checkout commit, task, split, seed) under
~/.cache/lohovla/fidelity/, so an interrupted run resumes where it stopped.

Per task and split (train, test) the same seeds' scenes are read from both sides by one rule
(benchmarks/fidelity_stats.py): object counts by kind, sizes, goal blocks, distractors, colours off the split's
palette, area membership (D, J, by the original's meaning and with the axes swapped), max_steps. A permutation
test on the total-variation distance marks a feature "differs" at p < 0.01. On the first --oracle-episodes test
seeds both oracles run: the original's through its own agent and UR5 physics, ours through lohovla's oracle
policy in --mode (fast by default).

Prints the table, writes benchmarks/results/fidelity.json and the table section of docs/fidelity.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import print_table, write_json
from benchmarks.fidelity_doc import SCENE_COLUMNS, write_doc
from benchmarks.fidelity_stats import TASKS, compare, features

HARNESS = Path(__file__).with_name("fidelity_original.py")
CACHE = Path.home() / ".cache" / "lohovla" / "fidelity"


class UserError(Exception):
    """A mistake in the command line: reported as one line."""


def checkout_commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
        return out.stdout.strip()[:12] or "unknown"
    except OSError:
        return "unknown"


def _load(path: Path) -> dict[int, dict[str, Any]]:
    records = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                records[r["seed"]] = r  # later lines (a rerun with the oracle) win
    return records


def original_records(
    python: Path | None, root: Path, cache: Path, task: str, split: str, seeds: list[int], oracle_seeds: set[int]
) -> list[dict[str, Any]]:
    """The original's records of `seeds`, running the harness only for those not cached yet (python None: none)."""
    path = cache / f"{task}.{split}.jsonl"
    have = _load(path)
    missing = [s for s in seeds if s not in have or (s in oracle_seeds and "oracle" not in have[s])]
    if python is None:
        missing = []
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    for with_oracle in (True, False):
        batch = [s for s in missing if (s in oracle_seeds) == with_oracle]
        if not batch:
            continue
        cmd = [str(python), str(HARNESS), "--lohoravens", str(root), "--task", TASKS[task][1], "--split", split]
        cmd += ["--seeds", ",".join(map(str, batch)), "--out", str(path)] + (["--oracle"] if with_oracle else [])
        print(f"  original {TASKS[task][0]} {split}: {len(batch)} scene(s){' + oracle' if with_oracle else ''}")
        run = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"the LoHoRavens harness failed on {task} {split}: {run.stderr.strip()[-800:]}")
    have = _load(path)
    return [have[s] for s in seeds if s in have]


def oracle_summary(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    if not episodes:
        return {"episodes": 0}
    out = {
        "episodes": len(episodes),
        "success_rate": 100.0 * sum(e["success"] for e in episodes) / len(episodes),
        "mean_score": 100.0 * sum(e["total_reward"] for e in episodes) / len(episodes),
        "mean_seconds": sum(e["seconds"] for e in episodes) / len(episodes),
        "failed_seeds": [e["seed"] for e in episodes if not e["success"]],
    }
    if "gave_up" in episodes[0]:
        out["gave_up"] = sum(e["gave_up"] for e in episodes)
        out["arm_timeouts"] = sum(e["timeouts"] > 0 for e in episodes)
    return out


def run_task(args, python: Path, cache: Path, task: str) -> dict[str, Any]:
    from benchmarks.fidelity_ours import our_oracle, our_scenes
    from lohovla.envs.spec import split_seed

    letter, spec, their_name = TASKS[task]
    result: dict[str, Any] = {"letter": letter, "original_task": their_name, "original_class": spec, "splits": {}}
    oracle_seeds = {split_seed("test", i) for i in range(args.oracle_episodes)}
    for split, n in (("train", args.train_scenes), ("test", args.scenes)):
        if n <= 0:
            continue
        seeds = [split_seed(split, i) for i in range(n)]
        wanted = oracle_seeds if split == "test" else set()
        orig = original_records(
            None if args.cached_only else python, args.lohoravens, cache, task, split, seeds, wanted
        )
        errors = [r for r in orig if "error" in r]
        orig = [r for r in orig if "error" not in r]
        ours = our_scenes(task, split, [r["seed"] for r in orig] if args.cached_only else seeds, mode=args.mode)
        cmp = compare([features(letter, r) for r in orig], [features(letter, r) for r in ours])
        result["splits"][split] = {
            "seeds": [seeds[0], seeds[-1]],
            "original_scenes": len(orig),
            "our_scenes": len(ours),
            "original_errors": [{"seed": r["seed"], "error": r["error"]} for r in errors],
            "original_pos_eps": sorted({r["pos_eps"] for r in orig}),
            "original_reset_seconds": sum(r["reset_seconds"] for r in orig) / max(1, len(orig)),
            "features": cmp,
        }
        if split == "test" and args.oracle_episodes > 0:
            theirs = [{"seed": r["seed"], **r["oracle"]} for r in orig if "oracle" in r and r["seed"] in oracle_seeds]
            same_seeds = sorted(e["seed"] for e in theirs) if args.cached_only else sorted(oracle_seeds)
            result["oracle"] = {
                "original": oracle_summary(theirs),
                "ours": oracle_summary(our_oracle(task, "test", same_seeds, mode=args.mode)),
                "our_mode": args.mode,
            }
    return result


def table_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in results.values():
        splits = r["splits"]
        names = list(dict.fromkeys(k for s in splits.values() for k in s["features"]))
        for name in names:
            row: dict[str, Any] = {"task": r["letter"], "feature": name}
            verdicts = []
            for split, s in splits.items():
                f = s["features"].get(name)
                if f is None:
                    continue
                row[f"original {split}"], row[f"ours {split}"] = f["original"], f["ours"]
                verdicts.append(f["verdict"])
            if "differs" in verdicts:
                row["verdict"] = "differs"
            else:
                row["verdict"] = "same" if "same" in verdicts else "original only"
            rows.append(row)
    return rows


def oracle_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for r in results.values():
        o = r.get("oracle")
        if not o:
            continue
        theirs, ours = o["original"], o["ours"]
        rows.append(
            {
                "task": r["letter"],
                "original success %": theirs.get("success_rate"),
                "original score": theirs.get("mean_score"),
                "original n": theirs.get("episodes"),
                "original gave up": theirs.get("gave_up"),
                "original arm timeouts": theirs.get("arm_timeouts"),
                "original s/episode": theirs.get("mean_seconds"),
                f"ours ({o['our_mode']}) success %": ours.get("success_rate"),
                "ours score": ours.get("mean_score"),
                "ours n": ours.get("episodes"),
            }
        )
    return rows


def select_tasks(text: str) -> list[str]:
    if text == "all":
        return list(TASKS)
    by_letter = {v[0]: k for k, v in TASKS.items()}
    out = []
    for item in (s.strip() for s in text.split(",") if s.strip()):
        task = by_letter.get(item.upper(), item)
        if task not in TASKS:
            raise UserError(f"unknown task {item!r}; use letters A-K or ids: {', '.join(TASKS)}")
        out.append(task)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lohoravens", required=True, type=Path, help="path to a LoHoRavens checkout")
    ap.add_argument("--venv", type=Path, default=None, help="where the checkout's venv lives (built once)")
    ap.add_argument("--scenes", type=int, default=20, help="test-split scenes per task")
    ap.add_argument("--train-scenes", type=int, default=10, help="train-split scenes per task")
    ap.add_argument("--oracle-episodes", type=int, default=8, help="oracle episodes per task on both sides")
    ap.add_argument("--tasks", default="all", help="all, or letters / task ids, comma-separated")
    ap.add_argument("--mode", default="fast", choices=("fast", "arm"), help="our simulator's mode")
    ap.add_argument("--cache", type=Path, default=CACHE, help="cache of the original's records")
    ap.add_argument(
        "--cached-only", action="store_true", help="use only the original's cached records (no harness runs)"
    )
    ap.add_argument("--out", default="benchmarks/results/fidelity.json")
    ap.add_argument("--doc", default="docs/fidelity.md", help="doc whose table section is rewritten ('' skips)")
    args = ap.parse_args(argv)
    try:
        tasks = select_tasks(args.tasks)
        root = args.lohoravens.expanduser().resolve()
        if not (root / "cliport" / "tasks" / "task.py").exists():
            raise UserError(f"{args.lohoravens} is not a LoHoRavens checkout (no cliport/tasks/task.py)")
        args.lohoravens = root
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from benchmarks.fidelity_venv import DEFAULT_VENV, ensure_venv

    python = ensure_venv(args.venv or DEFAULT_VENV)
    commit = checkout_commit(root)
    cache = args.cache.expanduser() / commit
    cache.mkdir(parents=True, exist_ok=True)
    t0, results = time.perf_counter(), {}
    for task in tasks:
        print(f"{TASKS[task][0]} {task}", flush=True)
        results[task] = run_task(args, python, cache, task)
    rows, orows = table_rows(results), oracle_rows(results)
    print_table(rows, SCENE_COLUMNS)
    print()
    if orows:
        print_table(orows, list(orows[0]))
    settings = {
        "scenes": args.scenes,
        "train_scenes": args.train_scenes,
        "oracle_episodes": args.oracle_episodes,
        "mode": args.mode,
        "alpha": 0.01,
    }
    payload = {
        "benchmark": "fidelity",
        "lohoravens": {"path": str(root), "commit": commit},
        "ours_commit": checkout_commit(Path(__file__).resolve().parents[1]),
        "settings": settings,
        "seconds": time.perf_counter() - t0,
        "tasks": results,
    }
    write_json(payload, args.out)
    if args.doc:
        write_doc(Path(args.doc), rows, orows, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
