"""Does a checkpoint answer the scene questions (lohovla/training/scene_questions.py) on scenes it never saw?

    python -m benchmarks.probe_questions --policy runs/x/final --scenes 50

Val scenes (EVAL colours in the long-horizon tasks, where the roles of TRAIN and EVAL colours are swapped against
training: benchmarks.color_roles) and train scenes of B, C and E, plus the primitive A. Each question of each
scene is answered greedily (AR, the checkpoint's colour reading on) and compared with the simulator's answer:
exact match, and for the match questions the share of answers that list a block without a matching object
(a distractor). A checkpoint never trained on questions still answers; it is the baseline. Writes
benchmarks/results/probe_questions.json (or --out).
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from benchmarks.common import print_table, write_json

TASKS = {
    "pick-and-place-primitive": "A",
    "put-block-into-matching-bowl": "B",
    "stack-smaller-over-bigger-with-same-color": "C",
    "put-even-blocks-in-same-color-zone": "E",
}


def listed_names(answer: str) -> set[str]:
    """The object names an answer lists ("orange block, smaller red block." -> two names; "." -> none)."""
    return {n.strip() for n in answer.rstrip(".").split(",") if n.strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="checkpoint name or directory")
    ap.add_argument("--scenes", type=int, default=50, help="scenes per task and split")
    ap.add_argument("--splits", default="val,train")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/results/probe_questions.json")
    args = ap.parse_args()
    import numpy as np
    import torch

    import lohovla
    from benchmarks.decode import load_model
    from lohovla.envs.spec import split_seed
    from lohovla.policies.lohovla.planner import decode, prefill
    from lohovla.policies.lohovla.vision import downsample
    from lohovla.training.scene_questions import EVEN_QUESTION, questions

    torch.set_num_threads(args.threads)
    model = load_model(args.policy)
    cfg = model.cfg.decode.with_overrides(decoder="ar")
    tally: dict[tuple, list] = defaultdict(list)
    for split in args.splits.split(","):
        for task, letter in TASKS.items():
            env = lohovla.make_env(task, split=split)
            for k in range(args.scenes):
                obs, info = env.reset(seed=split_seed(split, k))
                c, h = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
                for question, truth in questions(info["objects"]):
                    with torch.inference_mode():
                        goal = model.codec.encode(question)[: model.cfg.text.max_goal_tokens]
                        prompt = prefill(model, torch.from_numpy(c)[None], torch.from_numpy(h)[None], [goal], cfg)
                        answer = model.codec.decode(decode(model, prompt, cfg)[0].tokens)
                    kind = "even" if question == EVEN_QUESTION else "match"
                    wrong = listed_names(answer) - listed_names(truth)
                    tally[(letter, split, kind)].append((answer == truth, bool(wrong)))
            env.close()
    rows = [
        {
            "task": letter,
            "split": split,
            "question": kind,
            "n": len(v),
            "exact": float(np.mean([e for e, _ in v])),
            "lists_a_wrong_object": float(np.mean([w for _, w in v])),
        }
        for (letter, split, kind), v in sorted(tally.items())
    ]
    print_table(rows, ["task", "split", "question", "n", "exact", "lists_a_wrong_object"])
    write_json({"policy": args.policy, "scenes": args.scenes, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
