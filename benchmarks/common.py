"""Shared bits of the benchmark scripts: machine description, tables, JSON output."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

import numpy as np


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.system()}


def stats_ms(samples: list[float]) -> dict[str, float]:
    a = np.asarray(samples, dtype=np.float64)
    return {
        "median_ms": float(np.median(a)),
        "p95_ms": float(np.percentile(a, 95)),
        "p99_ms": float(np.percentile(a, 99)),
        "n": int(a.size),
    }


def parse_overrides(text: str) -> dict[str, Any]:
    """ "tau_conf=0.8,verify=false" -> {"tau_conf": 0.8, "verify": False} (booleans, ints, floats, else strings)."""
    return {k: _scalar(v) for k, v in (kv.split("=", 1) for kv in text.split(",") if kv)}


def _scalar(v: str) -> Any:
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    for kind in (int, float):
        try:
            return kind(v)
        except ValueError:
            pass
    return v


def print_table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(_cell(r.get(c)).ljust(w) for c, w in zip(columns, widths)))


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return "-" if v is None else str(v)


def code_and_weights(policy: Any = None) -> dict[str, Any]:
    """The code's commit (and whether tracked files differ from it) and, when `policy` names a checkpoint (a shipped
    name or a directory), its path and sha256: every results file says which code and which weights it measured."""
    from lohovla.evaluation.provenance import WEIGHTS, checkpoint_dir, git_commit, sha256_file

    record: dict[str, Any] = git_commit()
    ckpt = checkpoint_dir(policy) if isinstance(policy, str) and policy != "oracle" else None
    if ckpt is not None:
        record |= {"checkpoint": str(ckpt), "checkpoint_sha256": sha256_file(ckpt / WEIGHTS)}
    return record


def write_json(payload: dict[str, Any], path: str | Path) -> Path:
    """Write a results file with the machine and `code_and_weights(payload["policy"])` beside the payload."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    provenance = payload.get("provenance") or code_and_weights(payload.get("policy"))
    payload = {"machine": machine(), **payload, "provenance": provenance}
    path.write_text(json.dumps(payload, indent=1))
    print(f"wrote {path}")
    return path
