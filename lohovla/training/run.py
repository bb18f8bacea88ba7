"""One training run from a plain config dict (what `lohovla-train` resolves): data, model, trainer, final copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lohovla.training import distributed as D


def split_config(cfg: dict[str, Any]):
    """(ModelConfig, TrainSettings) from the resolved hydra config."""
    from lohovla.policies.lohovla.config import ModelConfig
    from lohovla.training.settings import TrainSettings

    cfg = dict(cfg)
    model = ModelConfig.from_dict(cfg.pop("model"))
    return model, TrainSettings.from_dict(cfg)


def run_training(cfg: dict[str, Any]) -> Path:
    """Train; returns <out>/final (a checkpoint directory `lohovla.load_policy` accepts)."""
    from lohovla.training.prepare import prepare_store, split_holdout
    from lohovla.training.trainer import Trainer

    model_cfg, settings = split_config(cfg)
    if settings.prepare_only:  # one process, no model: the cache that parallel runs then share
        store = prepare_store(settings.data, settings.progress)
        print(f"{len(store)} examples prepared (cache: {settings.data.cache})")
        return Path(settings.data.cache or settings.out)
    info = D.init(settings.device)
    out = Path(settings.out)
    if info.main:
        out.mkdir(parents=True, exist_ok=True)
        store = prepare_store(settings.data, settings.progress)  # builds the cache once
    D.barrier(info)
    if not info.main:
        store = prepare_store(settings.data, False)  # reads the caches rank 0 just wrote
    train, held = split_holdout(store, settings.data.holdout_episodes, settings.seed)
    trainer = Trainer(settings, model_cfg, train, held, info)
    if info.main:
        n = sum(p.numel() for p in trainer.model.parameters())
        print(f"{len(train)} examples ({len(held)} held out), {n / 1e6:.2f} M parameters, start at step {trainer.step}")
    trainer.train()
    final = out / "final"
    if info.main and trainer.step >= settings.max_steps:
        latest = out / (out / "latest").read_text().strip()
        shutil.rmtree(final, ignore_errors=True)
        shutil.copytree(latest, final, ignore=shutil.ignore_patterns("trainer_state.pt"))
        print(f"done: {final}")
    D.barrier(info)
    D.shutdown(info)
    return final
