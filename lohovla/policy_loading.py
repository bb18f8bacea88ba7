"""`load_policy`: policies by name or from a checkpoint directory (never from a hub)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Checkpoints shipped inside the package (lohovla/checkpoints/<name>/).
SHIPPED_DIR = Path(__file__).resolve().parent / "checkpoints"


def shipped_checkpoint(name: str) -> Path | None:
    path = SHIPPED_DIR / name
    return path if (path / "config.json").exists() else None


def load_policy(spec: str, **kwargs: Any):
    """ "oracle", the name of a shipped checkpoint (e.g. "lohovla-tiny"), or a checkpoint directory.

    Keyword arguments go to the learned policy (e.g. decoder="d2f", replan="threshold", device="cpu", and
    grounding=False for the model alone, or a dict of grounding settings to override).
    """
    if spec == "oracle":
        from lohovla.policies.oracle import OraclePolicy

        return OraclePolicy()
    path = shipped_checkpoint(spec) or Path(spec)
    if not (path / "config.json").exists():
        known = ["oracle", *sorted(p.name for p in SHIPPED_DIR.glob("*") if (p / "config.json").exists())]
        if "/" in spec or spec.startswith(".") or path.exists():
            why = "does not exist" if not path.exists() else "has no config.json (not a checkpoint directory)"
            raise ValueError(f"checkpoint directory {spec!r} {why}")
        raise ValueError(f"unknown policy {spec!r}: not one of {known} and not a checkpoint directory")
    from lohovla.policies.lohovla.policy import load_checkpoint_policy

    return load_checkpoint_policy(path, **kwargs)
