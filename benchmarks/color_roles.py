"""Which colours play which role in the seen tasks' scenes, train split against val: the shortcut a planner can take.

    python -m benchmarks.color_roles --scenes 200

Long-horizon scenes use the TRAIN colours on the train split and the EVAL colours on val and test; distractors
come from all 11. So a block's colour can tell its role on train and tell the opposite on val. Per task and
split: how many blocks of TRAIN-only, EVAL-only and shared colours are targets (B: a bowl of its colour is there;
C: its colour has a pair to stack; E: its colour's count is even) or distractors. A third row per task counts the
training scenes of `distractor_colors=split` (Task.distractor_palette): distractors in the TRAIN colours only, so
no colour keeps one role on train. Writes benchmarks/results/color_roles.json.
"""

from __future__ import annotations

import argparse
from collections import Counter

from benchmarks.common import print_table, write_json

TASKS = {
    "put-block-into-matching-bowl": "B",
    "stack-smaller-over-bigger-with-same-color": "C",
    "put-even-blocks-in-same-color-zone": "E",
}


def is_target(task: str, block: dict, objects: list[dict]) -> bool:
    """The block is one the task's goal moves (by the goal's rule, from the object list)."""
    from lohovla.training.scene_questions import even_colors, matched_blocks

    if task == "put-block-into-matching-bowl":
        return any(o is block for o in matched_blocks(objects, "bowl"))
    if task == "stack-smaller-over-bigger-with-same-color":
        return sum(o["kind"] == "block" and o["color"] == block["color"] for o in objects) >= 2
    return block["color"] in even_colors(objects)


def colour_group(color: str) -> str:
    from lohovla.envs.spec import EVAL_COLORS, TRAIN_COLORS

    return (
        "shared"
        if color in TRAIN_COLORS and color in EVAL_COLORS
        else "train-only"
        if color in TRAIN_COLORS
        else "eval-only"
    )


#: (split, the env's distractor_colors) of each row
SCENE_SETS = (("train", "all"), ("train", "split"), ("val", "all"))


def count_roles(task: str, split: str, scenes: int, distractor_colors: str = "all") -> Counter:
    import lohovla
    from lohovla.envs.spec import split_seed

    env, counts = lohovla.make_env(task, split=split, distractor_colors=distractor_colors), Counter()
    for k in range(scenes):
        _, info = env.reset(seed=split_seed(split, k))
        for o in (o for o in info["objects"] if o["kind"] == "block"):
            counts[(colour_group(o["color"]), "target" if is_target(task, o, info["objects"]) else "distractor")] += 1
    env.close()
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenes", type=int, default=200, help="scenes per task and split (seeds from the split's first)")
    ap.add_argument("--out", default="benchmarks/results/color_roles.json")
    args = ap.parse_args()
    rows = []
    for task, letter in TASKS.items():
        for split, distractors in SCENE_SETS:
            c = count_roles(task, split, args.scenes, distractors)
            row = {"task": letter, "split": split, "distractor_colors": distractors}
            for group in ("train-only", "eval-only", "shared"):
                target, distractor = c[(group, "target")], c[(group, "distractor")]
                row[f"{group} targets"] = target
                row[f"{group} distractors"] = distractor
            rows.append(row)
    cols = ["task", "split", "distractor_colors"] + [
        f"{g} {r}" for g in ("train-only", "eval-only", "shared") for r in ("targets", "distractors")
    ]
    print_table(rows, cols)
    write_json(
        {"command": f"python -m benchmarks.color_roles --scenes {args.scenes}", "scenes": args.scenes, "rows": rows},
        args.out,
    )


if __name__ == "__main__":
    main()
