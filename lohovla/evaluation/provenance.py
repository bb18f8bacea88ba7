"""What a results file must say about where its numbers came from: the checkpoint's sha256, the code's commit,
and the decoder and grounding settings the policy ran with (DESIGN: every results file names them)."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from pathlib import Path
from typing import Any

WEIGHTS = "model.safetensors"
SOURCE_ROOT = Path(__file__).resolve().parents[2]
#: tracked paths that hold measurements and prose, not code (git pathspecs)
NOT_CODE = (":(exclude)benchmarks/results", ":(exclude)docs", ":(exclude)*.md")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_dir(spec: str) -> Path | None:
    """The checkpoint directory a policy spec names ("lohovla-tiny", a path), or None ("oracle")."""
    from lohovla.policy_loading import shipped_checkpoint

    path = shipped_checkpoint(spec) or Path(spec)
    return path if (path / WEIGHTS).exists() else None


def git_commit(root: Path = SOURCE_ROOT) -> dict[str, Any]:
    """{"commit": sha or "unknown", "dirty": uncommitted changes to tracked files (None when unknown)}.

    Results files and docs do not count: a benchmark that rewrites its own tracked results file, or a docs edit,
    does not make the code that measured it differ from the commit."""
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if sha.returncode != 0:
            return {"commit": "unknown", "dirty": None}
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no", "--", ".", *NOT_CODE],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a settings object (dataclass, dict, object with to_dict)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if hasattr(value, "to_dict"):
        return _plain(value.to_dict())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def policy_settings(policy: Any) -> dict[str, Any]:
    """The decode and grounding settings a policy object runs with, as far as it exposes them (LoHoVLAPolicy's
    decode config holds the grounding switches ground_colors, ground_actions, check_objects, ...)."""
    out: dict[str, Any] = {"name": getattr(policy, "name", type(policy).__name__)}
    for key, attr in (("decoder", "decoder"), ("decode", "decode_cfg"), ("flow_steps", "flow_steps")):
        if getattr(policy, attr, None) is not None:
            out[key] = _plain(getattr(policy, attr))
    rule = getattr(policy, "rule", None)
    if rule is not None:
        out["replan"] = {"strategy": getattr(rule, "strategy", None), "k": getattr(rule, "k", None)}
    # the grounding layer's switches, saved whole with the checkpoint (a GroundingConfig on the policy)
    state = vars(policy) if hasattr(policy, "__dict__") else {}
    configs = [v for v in state.values() if type(v).__name__ == "GroundingConfig"]
    if configs:
        out["grounding"] = _plain(configs[0])
    elif isinstance(getattr(policy, "grounding", None), (bool, dict)):
        out["grounding"] = _plain(policy.grounding)
    return out


def provenance(policy: Any, policy_kwargs: dict | None = None) -> dict[str, Any]:
    """Everything a reader needs to reproduce a results file: checkpoint hash, code commit, settings."""
    record: dict[str, Any] = {"policy_kwargs": _plain(policy_kwargs or {}), **git_commit()}
    spec = policy if isinstance(policy, str) else None
    ckpt = checkpoint_dir(spec) if spec and spec != "oracle" else None
    record["checkpoint"] = str(ckpt) if ckpt else None
    record["checkpoint_sha256"] = sha256_file(ckpt / WEIGHTS) if ckpt else None
    if spec is not None:
        from lohovla.policy_loading import load_policy

        policy = load_policy(spec, **(policy_kwargs or {}))
    record["settings"] = policy_settings(policy)
    return record
