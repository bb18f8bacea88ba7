"""How often `carried_out` (policies/step_evidence.py) reads a step right, against the simulator's object poses.

    python -m benchmarks.step_evidence --episodes 15

The policy (default lohovla-tiny, its default re-planning rule) runs test episodes; after every step the heightmap
reading (the block left the pick point and something arrived at the place point) is compared with the truth (some
object's xy moved more than 3 cm). Per task: rewarded steps, failed steps that moved a block and failed steps
that moved nothing, with the share of each where the reading fired. The `evidence` rule re-plans at once on a
failed step where it fires, so firing on a step that moved nothing would give up a right sub-task after a miss.
Writes benchmarks/results/step_evidence.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import print_table, write_json

TASKS = (
    "put-block-into-matching-bowl",
    "stack-smaller-over-bigger-with-same-color",
    "stack-block-in-absolute-area",
    "put-even-blocks-in-same-color-zone",
)
MOVED = 0.03  # m: an object whose xy changed this much was moved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="checkpoint name or directory")
    ap.add_argument("--episodes", type=int, default=15, help="test episodes per task")
    ap.add_argument("--tasks", default=",".join(TASKS), help="comma-separated task ids")
    ap.add_argument("--out", default="benchmarks/results/step_evidence.json")
    args = ap.parse_args()
    import numpy as np
    import torch

    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.base import Feedback
    from lohovla.policies.step_evidence import carried_out

    torch.set_num_threads(1)
    policy = lohovla.load_policy(args.policy)
    rows, counts = [], {}
    for task in args.tasks.split(","):
        env = lohovla.make_env(task, split="test")
        c = {k: [0, 0] for k in ("rewarded", "failed, moved", "failed, still")}  # [steps, fired]
        for i in range(args.episodes):
            obs, info = env.reset(seed=split_seed("test", i))
            policy.reset(obs["goal"])
            feedback, done = Feedback(info=info), False
            while not done:
                before = [np.asarray(o["position"][:2]) for o in info["objects"]]
                step = policy.act(obs, feedback)
                action, height = step.action.to_env(), obs["height"]
                obs, reward, term, trunc, info = env.step(action)
                done = term or trunc
                after = [np.asarray(o["position"][:2]) for o in info["objects"]]
                moved = any(np.linalg.norm(a - b) > MOVED for a, b in zip(after, before))
                fired = carried_out(height, obs["height"], action["pick"][0][:2], action["place"][0][:2])
                key = "rewarded" if reward > 0 else "failed, moved" if moved else "failed, still"
                c[key][0] += 1
                c[key][1] += int(fired)
                feedback = Feedback(step=info["step"], reward=reward, done=done, info=info)
        env.close()
        counts[task] = c
        row = {"task": task, "episodes": args.episodes}
        for key, (n, fired) in c.items():
            row[f"{key}: steps"] = n
            row[f"{key}: fired %"] = round(100 * fired / n, 1) if n else None
        rows.append(row)
    print_table(rows, list(rows[0]))
    write_json({"benchmark": "step_evidence", "policy": args.policy, "rows": rows, "counts": counts}, args.out)


if __name__ == "__main__":
    main()
