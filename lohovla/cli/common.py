"""Helpers shared by the hydra command-line apps."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

CONFIG_PATH = "pkg://lohovla.configs"


def to_dict(cfg: DictConfig | dict | None) -> dict[str, Any]:
    if cfg is None:
        return {}
    return OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
