"""docs/fidelity.md: the measured tables are rewritten between markers; everything else in the file is kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCENE_COLUMNS = ["task", "feature", "original train", "ours train", "original test", "ours test", "verdict"]
START, END = "<!-- fidelity-table:start -->", "<!-- fidelity-table:end -->"

TEMPLATE = f"""# Fidelity: our A-K tasks against the public LoHoRavens code

Every success rate we set beside LoHoVLA's Table 2 compares only if our eleven table tasks pose the problems
of the public LoHoRavens code (commit `cdba8da`, the v1 task set the paper evaluated on). This page measures
that, and lists where we differ on purpose.

## How to run

```bash
git clone <LoHoRavens repository> /path/to/lohoravens          # any checkout; cdba8da is the paper's
.venv/bin/python -m benchmarks.fidelity --lohoravens /path/to/lohoravens
```

The first run builds the checkout's own virtual environment under `~/.cache/lohovla/lohoravens-venv`
(torch CPU, pybullet, kornia, meshcat, six, gym and image libraries; a few minutes). Nothing of LoHoRavens
is vendored or edited: `benchmarks/fidelity_original.py` runs inside that venv, imports only the task's own
module, the task base, the environment and the utilities (no CLIPort models, no tensorflow), shims
`random.sample` on a set for Python 3.11 (with `PYTHONHASHSEED=0`, the tuple Python 3.10 made), seeds as the
original's `demos.py` does, builds each scene headless and runs the original's oracle agent with its own UR5
physics. The original's records are cached per checkout commit, task, split and seed under
`~/.cache/lohovla/fidelity/`, so a run resumes where it stopped. Options: `--scenes` (test scenes per task),
`--train-scenes`, `--oracle-episodes`, `--tasks B,F`, `--mode arm` (our simulator's mode for our oracle).

Both sides are read by one rule from the scene alone (`benchmarks/fidelity_stats.py`): counts of blocks,
bigger blocks, bowls and zones; colours off the split's palette; goal blocks and distractors as the goal
text defines them; for D and J the blocks in the named area by the original's meaning ("top" is x < 0.5,
"left" y < 0) and with the axes swapped; max_steps. A cell reads "mean (min-max)" or the commonest values.
A feature "differs" when a permutation test gives p < 0.01 on either split (on the Kolmogorov-Smirnov
distance for counts, the total-variation distance for words such as the target kind or the area).
The oracle columns run both oracles on the same test seeds.

{START}
{END}

## Where we differ on purpose

One row per choice: the original, ours, why, and its measured effect. The rows are kept by the task owners:
see [fidelity-a.md](fidelity-a.md) and [fidelity-b.md](fidelity-b.md).

| task | original (cdba8da) | ours | why | measured effect |
|---|---|---|---|---|
"""


def _md(rows: list[dict[str, Any]], columns: list[str]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return "-"
        return f"{v:.1f}" if isinstance(v, float) else str(v).replace("|", "/")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def tables_markdown(rows: list[dict[str, Any]], oracle_rows: list[dict[str, Any]], payload: dict[str, Any]) -> str:
    s, lr = payload["settings"], payload["lohoravens"]
    counts = ", ".join(
        f"{r['letter']} " + "/".join(str(sp["original_scenes"]) for sp in r["splits"].values())
        for r in payload["tasks"].values()
    )
    head = (
        f"Measured on this project's 2-core CPU machine against LoHoRavens `{lr['commit']}`, ours at "
        f"`{payload['ours_commit']}`, the same seeds on both sides (train from 0, test from 10001), ours in "
        f"{s['mode']} mode. Scenes per task (train/test): {counts}. Results: `benchmarks/results/fidelity.json`."
    )
    parts = [head, "", "### Scenes", ""]
    parts.append(_md(rows, SCENE_COLUMNS))
    if oracle_rows:
        parts += ["", "### Oracles", "", _md(oracle_rows, list(oracle_rows[0]))]
    return "\n".join(parts)


def write_doc(path: Path, rows: list[dict[str, Any]], oracle_rows: list[dict[str, Any]], payload: dict) -> None:
    """Put the tables between the markers of `path` (created from the template when missing)."""
    text = path.read_text() if path.exists() else TEMPLATE
    if START not in text or END not in text:
        text = text.rstrip() + f"\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}{START}\n{tables_markdown(rows, oracle_rows, payload)}\n{END}{after}")
    print(f"wrote {path}")
