"""Measurements shared by the decoding benchmarks: single-scene planning latency and batched throughput.

Planning = what the policy does on a planning step before the action head: encode the image, prefill
[image][goal][BOS] into the KV cache, decode the sub-task. Both decoders run on the same scene back to back (order
alternating), so load on a shared machine hits them alike.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.planner import decode, prefill


def goal_ids(model: LoHoVLAModel, goals: np.ndarray) -> list[list[int]]:
    limit = model.cfg.text.max_goal_tokens
    return [model.codec.encode(str(g))[:limit] for g in goals]


def _tensors(data: dict[str, np.ndarray], idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(data["color"][idx]), torch.from_numpy(data["height"][idx])


@torch.inference_mode()
def plan_one(model: LoHoVLAModel, data: dict, goals: list[list[int]], i: int, cfg: DecodeConfig) -> dict[str, Any]:
    """Plan for scene i alone; returns tokens, costs and the split of wall time (ms)."""
    color, height = _tensors(data, [i])
    t0 = time.perf_counter()
    prompt = prefill(model, color, height, goals[i : i + 1], cfg)
    t1 = time.perf_counter()
    res = decode(model, prompt, cfg)[0]
    t2 = time.perf_counter()
    return {
        "tokens": res.tokens,
        "forwards": res.forwards,
        "decoded": res.decoded,
        "prefill_ms": (t1 - t0) * 1000,
        "decode_ms": (t2 - t1) * 1000,
        "plan_ms": (t2 - t0) * 1000,
    }


def plan_all(
    model: LoHoVLAModel, data: dict, cfgs: dict[str, DecodeConfig], repeats: int = 1, warmup: int = 2
) -> dict[str, list[dict[str, Any]]]:
    """Every scene with every config, interleaved per scene; timings are the median of `repeats` runs."""
    goals = goal_ids(model, data["goal"])
    names = list(cfgs)
    for i in range(min(warmup, len(goals))):
        for name in names:
            plan_one(model, data, goals, i, cfgs[name])
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(len(goals)):
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        for r in range(repeats):
            order = names if (i + r) % 2 == 0 else names[::-1]
            for name in order:
                runs[name].append(plan_one(model, data, goals, i, cfgs[name]))
        for name in names:
            row = dict(runs[name][0])
            for key in ("prefill_ms", "decode_ms", "plan_ms"):
                row[key] = float(np.median([x[key] for x in runs[name]]))
            out[name].append(row)
    return out


@torch.inference_mode()
def throughput(model: LoHoVLAModel, data: dict, cfg: DecodeConfig, batch: int, n: int) -> tuple[float, list[list[int]]]:
    """Sub-tasks planned per second for the first `n` scenes in batches of `batch` (prefill + decode)."""
    goals = goal_ids(model, data["goal"])
    n = min(n, len(goals))
    tokens: list[list[int]] = []
    warm = list(range(min(batch, n)))
    decode(model, prefill(model, *_tensors(data, warm), [goals[i] for i in warm], cfg), cfg)
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        idx = list(range(start, min(n, start + batch)))
        prompt = prefill(model, *_tensors(data, idx), [goals[i] for i in idx], cfg)
        tokens += [r.tokens for r in decode(model, prompt, cfg)]
    return n / (time.perf_counter() - t0), tokens


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Forward passes per sub-task (mean, median, how many sub-tasks took each count), tokens per pass (prefill counted
    as a pass, EOS as a token), latencies."""
    fwd = np.array([r["forwards"] for r in rows], dtype=float)
    dec = np.array([r["decoded"] for r in rows], dtype=float)
    out = {
        "subtasks": len(rows),
        "tokens_per_subtask": float(dec.mean()),
        "forwards_per_subtask": float(fwd.mean()),
        "tokens_per_forward": float(dec.sum() / (fwd + 1).sum()),
        "tokens_per_decode_forward": float(dec.sum() / max(1.0, fwd.sum())),
        "median_forwards": float(np.median(fwd)),
        "forwards_histogram": {int(k): int(v) for k, v in zip(*np.unique(fwd.astype(int), return_counts=True))},
    }
    for key in ("plan_ms", "decode_ms", "prefill_ms"):
        a = np.array([r[key] for r in rows])
        out[f"{key[:-3]}_median_ms"] = float(np.median(a))
        out[f"{key[:-3]}_p95_ms"] = float(np.percentile(a, 95))
    return out


def agreement(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> float:
    """Share of scenes whose sub-tasks are token for token the same."""
    return float(np.mean([x["tokens"] == y["tokens"] for x, y in zip(a, b)]))
