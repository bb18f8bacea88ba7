"""The training loop: AdamW + warm-up/cosine, clipping, autocast, checkpoints that resume bit-for-bit.

A step's data and noise are functions of (seed, step, rank) (see `batching`), and a checkpoint holds the model,
optimizer and scheduler states, so a run killed at any point and restarted from its last checkpoint continues the
same loss curve. Checkpoints are ordinary model directories (loadable by `lohovla.load_policy`) plus
trainer_state.pt; `out/latest` names the newest.
"""

from __future__ import annotations

import json
import math
import shutil
import signal
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from lohovla.policies.lohovla.config import ModelConfig
from lohovla.policies.lohovla.loading import build_model, load_model, save_checkpoint
from lohovla.training import distributed as D
from lohovla.training.batching import Collator, Mixture, step_generator
from lohovla.training.color_fit import FITTED_GROUNDING
from lohovla.training.samples import CAPTION_TASK, QUESTION_TASK, TEXT_ONLY_TASKS, SampleStore
from lohovla.training.settings import TrainSettings
from lohovla.training.word_prior import word_prior_bias

LOSSES = ("text", "map", "flow", "refer")
PARAPHRASE_STREAM = 1_000  # step_generator's stream of goal paraphrases (ranks use 0 and 1 + rank)


# Text settings that only shape how training samples are drawn (model.training_losses), never the weights: a stage
# started from a checkpoint takes these from its own config, so a later stage can change its objective.
TEXT_OBJECTIVE = ("block_sizes", "block_probs", "first_ratio", "pad_blocks")


def continued_config(requested: ModelConfig, loaded: ModelConfig) -> ModelConfig:
    """The model config of a run started from a checkpoint (`init_from`): the checkpoint's, except the text objective
    (TEXT_OBJECTIVE), which is the run's own."""
    text = replace(loaded.text, **{k: getattr(requested.text, k) for k in TEXT_OBJECTIVE})
    return replace(loaded, text=text)


def ignored_model_settings(requested: ModelConfig, loaded: ModelConfig) -> list[str]:
    """`key: requested (checkpoint's)` for each model setting where a run started from a checkpoint (`init_from`)
    differs from what its config asked for. Such a run takes the checkpoint's architecture, grounding and decoding
    settings (`continued_config`); an override that silently did nothing cost a 50-minute stage once."""

    def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
        return out

    kept = continued_config(requested, loaded)
    want, have = (flat(json.loads(json.dumps(c.to_dict()))) for c in (requested, kept))
    fitted = {f"grounding.{k}" for k in FITTED_GROUNDING} if loaded.grounding.colors else set()
    return [f"{k}: {want[k]!r} ({have.get(k)!r})" for k in sorted(want) if want[k] != have.get(k) and k not in fitted]


def lr_lambda(warmup: int, total: int, min_ratio: float):
    def f(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return f


class Trainer:
    def __init__(
        self,
        settings: TrainSettings,
        model_cfg: ModelConfig,
        store: SampleStore,
        val: SampleStore | None = None,
        info: D.DistInfo | None = None,
    ) -> None:
        self.s, self.info = settings, info or D.DistInfo()
        torch.set_num_threads(max(1, settings.threads))
        self.out = Path(settings.out)
        self.device = torch.device(D.device_for(self.info, settings.device))
        if settings.tasks is not None:
            keep = np.isin(np.asarray(store.task), [*settings.tasks, *TEXT_ONLY_TASKS])
            store = store.select(keep)
        self.store, self.val = store, val
        self.model, self.step, state = self._build_or_resume(model_cfg)
        self.model.to(self.device)
        if self.model.presence is not None:  # fitted on its own (lohovla-fit-colors); reads pixels, not features
            self.model.presence.requires_grad_(False)
        params = [p for p in self.model.parameters() if p.requires_grad]
        decay = [p for p in params if p.ndim >= 2]
        other = [p for p in params if p.ndim < 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": settings.weight_decay}, {"params": other, "weight_decay": 0.0}],
            lr=settings.lr,
            betas=(0.9, 0.95),
        )
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lr_lambda(settings.warmup_steps, settings.max_steps, settings.min_lr_ratio)
        )
        if state is not None:
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["scheduler"])
        self.net = D.wrap(self.model, self.info)
        tcfg = self.model.cfg.text
        balanced = settings.balanced_words
        bias = word_prior_bias(store.task, store.text, self.model.codec, balanced) if balanced else None
        self.collate = Collator(
            store,
            self.model.codec,
            tcfg.use_subtask,
            settings.text,
            settings.action,
            tcfg.max_goal_tokens,
            tcfg.max_subtask_tokens,
            bias,
            settings.goal_paraphrase,
        )
        weights = {
            **settings.task_weights,
            CAPTION_TASK: settings.caption_weight,
            QUESTION_TASK: settings.question_weight,
        }
        self.mixture = Mixture.from_store(store, weights)
        self.writer = None
        if self.info.main:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.out / "tb"), purge_step=self.step + 1 if self.step else None)
            self._truncate_metrics()
        self._stop = False

    # --- model / resume ---------------------------------------------------------------------------
    def _build_or_resume(self, model_cfg: ModelConfig):
        latest = self.out / "latest"
        if self.s.resume and latest.exists():
            ckpt = self.out / latest.read_text().strip()
            state = torch.load(ckpt / "trainer_state.pt", map_location="cpu", weights_only=False)
            model = load_model(ckpt)
            _set_rng(state["rng"])
            return model.train(), int(state["step"]), state
        torch.manual_seed(self.s.seed)
        if self.s.init_from:
            model = load_model(self.s.init_from)
            ignored = ignored_model_settings(model_cfg, model.cfg)
            model.cfg = continued_config(model_cfg, model.cfg)
            if ignored:
                warnings.warn(
                    f"init_from={self.s.init_from}: the run keeps that checkpoint's model config (all but the text "
                    f"objective), so these requested model settings do not apply: {', '.join(ignored)} (write them "
                    "into its config.json to train with them)",
                    stacklevel=2,
                )
            return model.train(), 0, None
        texts = sorted(set(self.store.goal) | set(self.store.text))
        return build_model(model_cfg, texts).train(), 0, None

    def _truncate_metrics(self) -> None:
        path = self.out / "metrics.jsonl"
        if not path.exists():
            return
        rows = [line for line in path.read_text().splitlines() if line and json.loads(line)["step"] <= self.step]
        path.write_text("".join(r + "\n" for r in rows))

    # --- one step ---------------------------------------------------------------------------------
    def step_inputs(self, step: int):
        """(this rank's share of the batch of `step`, the generator of its noise)."""
        s, info = self.s, self.info
        idx = self.mixture.draw(s.batch_size, step_generator(s.seed, step))[info.rank :: info.world]
        words = step_generator(s.seed, step, PARAPHRASE_STREAM + info.rank)  # drawn from only with goal_paraphrase
        return self.collate(idx, words), step_generator(s.seed, step, info.rank + 1)

    def loss(self, batch, gen) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        with self._autocast():
            losses = self.net(batch, gen)
        return sum(self.s.loss_weights.get(k, 1.0) * losses[k] for k in LOSSES), losses

    def train_step(self) -> dict[str, float]:
        s = self.s
        total, losses = self.loss(*self.step_inputs(self.step))
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), s.grad_clip)
        self.opt.step()
        self.sched.step()
        self.step += 1
        out = {k: float(losses[k].detach()) for k in LOSSES}
        out.update(loss=float(total.detach()), grad_norm=float(grad_norm), lr=self.sched.get_last_lr()[0])
        return out

    def _autocast(self):
        use = self.s.precision == "bf16" or (self.s.precision == "auto" and self.device.type == "cuda")
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=use)

    @torch.no_grad()
    def val_losses(self, batches: int = 4) -> dict[str, float]:
        if self.val is None or not len(self.val):
            return {}
        self.model.eval()
        collate = Collator(
            self.val,
            self.model.codec,
            self.model.cfg.text.use_subtask,
            self.s.text,
            self.s.action,
            text_bias=self.collate.text_bias,
        )
        mix, sums = Mixture.from_store(self.val), dict.fromkeys(LOSSES, 0.0)
        for b in range(batches):
            gen = step_generator(self.s.seed + 1, b)
            losses = self.model(collate(mix.draw(self.s.batch_size, gen)), gen)
            for k in LOSSES:
                sums[k] += float(losses[k]) / batches
        self.model.train()
        return {f"val_{k}": v for k, v in sums.items()}

    # --- loop -------------------------------------------------------------------------------------
    def train(self, until: int | None = None) -> list[dict[str, Any]]:
        """Train to max_steps (or stop after step `until`, as a kill would, saving first)."""
        s, history = self.s, []
        stop_at = min(s.max_steps, until if until is not None else s.max_steps)
        old = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM,)} if self.info.main else {}
        bar = tqdm(
            total=s.max_steps,
            initial=self.step,
            desc="train",
            disable=not (s.progress and self.info.main),
            dynamic_ncols=True,
            mininterval=5,
        )
        t0, n0 = time.perf_counter(), self.step
        try:
            while self.step < stop_at and not self._stop:
                row = {"step": self.step + 1, **self.train_step()}
                history.append(row)
                bar.update()
                if self.step % s.log_every == 0 or self.step == s.max_steps:
                    row["steps_per_s"] = (self.step - n0) / max(1e-9, time.perf_counter() - t0)
                    if s.val_every and self.step % s.val_every == 0:
                        row.update(self.val_losses())
                    self._log(row)
                    bar.set_postfix(loss=f"{row['loss']:.3f}", text=f"{row['text']:.3f}", map=f"{row['map']:.3f}")
                if self.step % s.save_every == 0 or self.step == stop_at or self._stop:
                    self.save()
        finally:
            bar.close()
            for sig, handler in old.items():
                signal.signal(sig, handler)
            if self.writer is not None:
                self.writer.flush()
        return history

    def _on_signal(self, signum, frame) -> None:
        self._stop = True  # finish the step, save, return

    def _log(self, row: dict[str, Any]) -> None:
        row = D.mean({k: v for k, v in row.items() if k != "step"}, self.info) | {"step": row["step"]}
        if not self.info.main:
            return
        for k, v in row.items():
            if k != "step":
                self.writer.add_scalar(f"train/{k}" if not k.startswith("val_") else f"val/{k[4:]}", v, row["step"])
        with open(self.out / "metrics.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")

    def save(self) -> Path | None:
        path = None
        if self.info.main:
            name = f"checkpoints/step_{self.step:07d}"
            path, tmp = self.out / name, self.out / (name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            save_checkpoint(self.model, tmp, {"training": {"step": self.step, "settings": self.s.to_dict()}})
            torch.save(
                {
                    "step": self.step,
                    "optimizer": self.opt.state_dict(),
                    "scheduler": self.sched.state_dict(),
                    "rng": _get_rng(),
                    "settings": self.s.to_dict(),
                },
                tmp / "trainer_state.pt",
            )
            shutil.rmtree(path, ignore_errors=True)
            tmp.rename(path)
            (self.out / "latest.tmp").write_text(name)
            (self.out / "latest.tmp").replace(self.out / "latest")
            self._prune()
        D.barrier(self.info)
        return path

    def _prune(self) -> None:
        ckpts = sorted((self.out / "checkpoints").glob("step_???????"))
        for old in ckpts[: max(0, len(ckpts) - self.s.keep_last)]:
            shutil.rmtree(old, ignore_errors=True)


def _get_rng() -> dict[str, Any]:
    import random

    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def _set_rng(state: dict[str, Any]) -> None:
    import random

    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
