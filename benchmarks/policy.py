"""Latency per decision of a learned policy on this machine: plan + action, and action only (sub-task kept).

    python -m benchmarks.policy                                   # lohovla-tiny (AR, D2F) and vanilla-tiny, 2 threads
    python -m benchmarks.policy --policy runs/x/final --threads 1 --decisions 60 --decoder ar

Observations are real simulator scenes (test split; the oracle moves the scene on between decisions), so the
sub-tasks decoded have their real length. "plan + action" is a decision on which Algorithm 1 re-plans (image
encoding, prompt prefill, AR decoding with the KV cache, readout, score maps, 10 flow steps); "action only"
keeps the cached sub-task. The target is < 150 ms per decision with AR decoding; D2F (the checkpoint's verified
settings) is timed beside it.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from benchmarks.common import code_and_weights, write_json

TASKS = ("put-block-into-matching-bowl", "stack-smaller-over-bigger-with-same-color", "pick-and-place-primitive")


def scenes(n: int) -> list[dict]:
    """n observations from test-split episodes, advanced by the oracle."""
    import lohovla
    from lohovla.policies.base import Action

    out, seed_index = [], 0
    while len(out) < n:
        for task in TASKS:
            env = lohovla.make_env(task, split="test")
            obs, info = env.reset(seed=10001 + 2 * seed_index)
            while len(out) < n and info.get("oracle"):
                out.append(obs)
                o = info["oracle"]
                obs, _, term, trunc, info = env.step(Action.from_env(o).to_env())
                if term or trunc:
                    break
            env.close()
        seed_index += 1
    return out[:n]


def time_policy(spec: str, observations: list[dict], threads: int, decoders: list[str]) -> list[dict]:
    """Rows of "plan + action" per decoder (hierarchical policies), then one "action only" (no decoding)."""
    import torch

    import lohovla

    policy = None
    rows = []
    for decoder in decoders:
        policy = lohovla.load_policy(spec, threads=threads, decoder=decoder)
        if not getattr(policy, "hierarchical", False):
            break
        rows.append(_time_mode(policy, observations, threads, spec, decoder, plan=True))
    torch.set_num_threads(threads)
    rows.append(_time_mode(policy, observations, threads, spec, "-", plan=False))
    return rows


def _time_mode(policy, observations: list[dict], threads: int, spec: str, decoder: str, plan: bool) -> dict:
    import torch

    from lohovla.policies.base import Feedback

    torch.set_num_threads(threads)
    ms, tokens = [], []
    for i, obs in enumerate([observations[0], *observations]):  # the first call warms up
        policy.reset(obs["goal"])
        policy.act(obs, Feedback(step=0))  # plans (hierarchical) and caches a sub-task
        t0 = time.perf_counter()
        step = policy.act(obs, Feedback(step=0) if plan else Feedback(step=1, reward=0.0))
        if i:
            ms.append((time.perf_counter() - t0) * 1000)
            tokens.append(len(policy.model.codec.encode(step.subtask)) if step.subtask else 0)
    a = np.asarray(ms)
    return {
        "policy": spec,
        "decoder": decoder,
        "mode": "plan + action" if plan else "action only",
        "threads": threads,
        "median_ms": float(np.median(a)),
        "p95_ms": float(np.percentile(a, 95)),
        "n": len(ms),
        "subtask_tokens": float(np.mean(tokens)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", action="append", help="policy spec (repeatable); default lohovla-tiny, vanilla-tiny")
    ap.add_argument("--threads", type=int, action="append", help="torch threads (repeatable); default 2")
    ap.add_argument("--decisions", type=int, default=40)
    ap.add_argument("--decoder", action="append", help="sub-task decoder (repeatable); default ar and d2f")
    ap.add_argument("--out", default="benchmarks/results/policy.json")
    args = ap.parse_args()
    obs = scenes(args.decisions)
    rows = []
    for spec in args.policy or ["lohovla-tiny", "vanilla-tiny"]:
        for threads in args.threads or [2]:
            rows += time_policy(spec, obs, threads, args.decoder or ["ar", "d2f"])
    cols = ["policy", "decoder", "mode", "threads", "median_ms", "p95_ms", "n", "subtask_tokens"]
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(f"{r[c]:.1f}" if isinstance(r[c], float) else str(r[c]) for c in cols))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    specs = args.policy or ["lohovla-tiny", "vanilla-tiny"]
    shas = {spec: code_and_weights(spec).get("checkpoint_sha256") for spec in specs}
    provenance = code_and_weights() | {"checkpoint_sha256": shas}
    write_json({"load_average_1min": load, "target_ms": 150, "rows": rows, "provenance": provenance}, args.out)
    print(f"1-min load average {load}")


if __name__ == "__main__":
    main()
