"""Block-causal attention: torch reference vs the fused Triton kernel on D2F decode shapes.

    python benchmarks/kernels.py --out benchmarks/results/kernels.json

On CUDA both backends are timed (median ms) and checked against each other. On CPU only the reference is timed:
the Triton kernel needs a GPU. With TRITON_INTERPRET=1 set on CPU the kernel also runs, under the interpreter, for
a correctness check only (its time means nothing and is not reported).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from lohovla.kernels import triton_attention as tri
from lohovla.kernels.dispatch import block_causal_attention
from lohovla.kernels.masks import block_ids_for_training

# (name, batch, active query tokens, cached + active key tokens): a few decode steps, one prefill-sized pass.
SHAPES = [
    ("decode 1x8 | 256", 1, 8, 256),
    ("decode 1x16 | 512", 1, 16, 512),
    ("decode 8x16 | 512", 8, 16, 512),
    ("decode 1x32 | 2048", 1, 32, 2048),
    ("prefill 1x512", 1, 512, 512),
]


def make_inputs(batch: int, lq: int, lk: int, hq: int, hkv: int, d: int, dtype: torch.dtype, device: str):
    """Random q/k/v and block ids laid out like a D2F step: prompt block 0, then blocks of 8, queries at the end."""
    g = torch.Generator(device="cpu").manual_seed(0)
    q = torch.randn(batch, hq, lq, d, generator=g).to(device, dtype)
    k = torch.randn(batch, hkv, lk, d, generator=g).to(device, dtype)
    v = torch.randn(batch, hkv, lk, d, generator=g).to(device, dtype)
    prompt = max(0, lk - lq - 16) if lq < lk else lk // 2
    kb = block_ids_for_training(prompt, lk - prompt, 8, 0, lk).to(device).expand(batch, -1)
    return q, k, v, kb[:, lk - lq :], kb


def median_ms(fn: Callable[[], torch.Tensor], device: str, reps: int) -> float:
    """Median wall time of ``fn`` after warm-up; CUDA is synchronised around each call."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def run(args: argparse.Namespace) -> dict:
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    if device == "cpu" and dtype != torch.float32:
        dtype = torch.float32  # CPU half-precision SDPA is not representative
    interpreting = device == "cpu" and os.environ.get("TRITON_INTERPRET") == "1"
    time_triton = device == "cuda" and tri.available()
    rows = []
    for name, b, lq, lk in SHAPES:
        if interpreting and lk > 512:
            continue  # the interpreter is far too slow for the long shapes
        q, k, v, qb, kb = make_inputs(b, lq, lk, args.hq, args.hkv, args.head_dim, dtype, device)
        with torch.no_grad():
            ref = block_causal_attention(q, k, v, qb, kb, backend="torch")
            row = {"shape": name, "batch": b, "lq": lq, "lk": lk}
            call = functools.partial(block_causal_attention, q, k, v, qb, kb)
            row["reference_ms"] = median_ms(functools.partial(call, backend="torch"), device, args.reps)
            row["triton_ms"] = row["speedup"] = row["max_abs_err"] = None
            if tri.can_run(q):
                out = block_causal_attention(q, k, v, qb, kb, backend="triton")
                row["max_abs_err"] = (out.float() - ref.float()).abs().max().item()
            if time_triton:
                row["triton_ms"] = median_ms(functools.partial(call, backend="triton"), device, args.reps)
                row["speedup"] = row["reference_ms"] / row["triton_ms"]
        rows.append(row)
    if time_triton:
        note = "both backends timed on CUDA"
    elif interpreting:
        note = "CPU: reference timed; Triton run under the interpreter for correctness only (not timed)"
    else:
        note = "CPU: reference only; the Triton kernel needs a GPU (set TRITON_INTERPRET=1 to check correctness)"
    return {
        "device": torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu",
        "dtype": str(dtype).removeprefix("torch."),
        "heads": {"q": args.hq, "kv": args.hkv, "head_dim": args.head_dim},
        "cpu_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "triton": getattr(tri.triton, "__version__", None),
        "note": note,
        "rows": rows,
    }


def print_table(result: dict) -> None:
    def fmt(x: float | None, spec: str) -> str:
        return "-" if x is None else format(x, spec)

    print(f"{result['device']}  {result['dtype']}  heads {result['heads']}  ({result['note']})")
    print(f"{'shape':<20} {'reference ms':>13} {'triton ms':>10} {'speedup':>8} {'max err':>9}")
    for r in result["rows"]:
        print(
            f"{r['shape']:<20} {fmt(r['reference_ms'], '.3f'):>13} {fmt(r['triton_ms'], '.3f'):>10} "
            f"{fmt(r['speedup'], '.2f'):>8} {fmt(r['max_abs_err'], '.1e'):>9}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/kernels.json"))
    parser.add_argument("--dtype", choices=["bf16", "fp16", "fp32"], default="bf16")
    parser.add_argument("--hq", type=int, default=8)
    parser.add_argument("--hkv", type=int, default=2)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = run(args)
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
