"""`load_policy`: policies by name or from a checkpoint directory (never from a hub)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Checkpoints shipped inside the package (lohovla/checkpoints/<name>/).
SHIPPED_DIR = Path(__file__).resolve().parent / "checkpoints"


def shipped_checkpoint(name: str) -> Path | None:
    path = SHIPPED_DIR / name
    return path if (path / "config.json").exists() else None


def shipped_names() -> list[str]:
    """The checkpoints that ship with the package, by name."""
    return sorted(p.name for p in SHIPPED_DIR.glob("*") if (p / "config.json").exists())


def checkpoint_path(spec: str) -> Path:
    """The checkpoint directory `spec` names (a shipped name or a path); a ValueError says why not, in one line."""
    path = shipped_checkpoint(spec) or Path(spec).expanduser()
    if (path / "config.json").exists():
        return path
    if "/" in spec or spec.startswith(".") or path.exists():
        if not path.exists():
            raise ValueError(f"checkpoint directory {spec!r} does not exist")
        raise ValueError(f"{spec!r} is not a checkpoint directory: it has no config.json")
    known = ", ".join(["oracle", *shipped_names()])
    raise ValueError(f"unknown policy {spec!r}; choose from {known} or give a checkpoint directory")


def load_policy(spec: str, **kwargs: Any):
    """ "oracle", the name of a shipped checkpoint (e.g. "lohovla-tiny"), or a checkpoint directory.

    Keyword arguments go to the learned policy (e.g. decoder="d2f", replan="threshold", device="cpu", and
    grounding=False for the model alone, or a dict of grounding settings to override).
    """
    if spec == "oracle":
        from lohovla.policies.oracle import OraclePolicy

        return OraclePolicy()
    path = checkpoint_path(spec)
    from lohovla.policies.lohovla.policy import load_checkpoint_policy

    return load_checkpoint_policy(path, **kwargs)
