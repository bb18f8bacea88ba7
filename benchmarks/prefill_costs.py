"""Where the planning prefill's fixed costs go: the image encoder and the colour detector's pixel maps.

    python -m benchmarks.prefill_costs                    # shipped lohovla-tiny, 1 torch thread
    python -m benchmarks.prefill_costs --policy runs/x/final --repeats 200

AR and D2F both pay these costs before any text is decoded, so they bound D2F's planning speed-up
(docs/decoding.md). Each part runs alone at batch 1 on a scene-shaped input (convolution cost does not depend on
the pixels), median of `--repeats`. The profiler's split of the encoder says which convolutions run on torch's
native kernel rather than oneDNN. Writes benchmarks/results/prefill_costs.json.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

from benchmarks.common import print_table, stats_ms, write_json
from benchmarks.decode import load_model

NATIVE_CONV = "aten::_slow_conv2d_forward"


def _times(fn: Callable[[], object], repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _native_conv_share(fn: Callable[[], object], repeats: int) -> float:
    """Share of `fn`'s own CPU time spent in torch's native (non-oneDNN) convolution."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(repeats):
            fn()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    return sum(e.self_cpu_time_total for e in events if e.key == NATIVE_CONV) / max(total, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policy", default="lohovla-tiny")
    ap.add_argument("--repeats", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="benchmarks/results/prefill_costs.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.policy).eval()
    rng = np.random.default_rng(0)
    color = torch.from_numpy(rng.integers(0, 256, (1, 160, 80, 3), dtype=np.uint8))
    height = torch.from_numpy(rng.random((1, 160, 80), dtype=np.float32) * 0.05)
    parts: dict[str, Callable[[], object]] = {"image encoder": lambda: model.encode_image_lazy(color, height)}
    if model.presence is not None:
        parts["detector pixel maps"] = lambda: model.presence.pixel_maps(color, height)
    rows = []
    with torch.inference_mode():
        for name, fn in parts.items():
            share = _native_conv_share(fn, max(args.repeats // 10, 5))
            rows.append({"part": name, **stats_ms(_times(fn, args.repeats)), "native_conv_share": round(share, 3)})
    print_table(rows, ["part", "median_ms", "p95_ms", "native_conv_share"])
    write_json({"policy": args.policy, "threads": args.threads, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
