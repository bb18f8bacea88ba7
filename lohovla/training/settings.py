"""Training settings (what `configs/train.yaml` + a `train=` stage preset resolve to), as slots dataclasses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class DataSettings:
    roots: list[str] = field(default_factory=list)  # LoHoSet dataset directories
    tasks: list[str] | None = None  # restrict to these tasks (None: every task in the roots)
    max_per_task: int | None = None  # first N episodes per task
    captions_per_task: int = 300  # scene captions per task (0: none), from the episodes' first steps
    caption_roots: list[str] | None = None  # roots whose scenes get captions (None: all; closed-loop data repeats them)
    questions_per_task: int = 0  # scenes per task asked scene questions (scene_questions.py; 0: none), as caption_roots
    cache: str | None = None  # directory of prepared examples, one .npz per root (built once, then reused)
    oracle_tasks: list[str] = field(default_factory=list)  # or roll the oracle out in memory (tests, tiny runs)
    oracle_episodes: int = 0
    holdout_episodes: int = 0  # per task, kept out of training for the validation loss


@dataclass(slots=True)
class TrainSettings:
    out: str = "runs/lohovla-tiny"
    seed: int = 0
    batch_size: int = 32
    max_steps: int = 6000
    lr: float = 1e-3
    min_lr_ratio: float = 0.05
    weight_decay: float = 0.01
    warmup_steps: int = 200
    grad_clip: float = 1.0
    text: bool = True  # train the sub-task text on demonstration steps
    action: bool = True  # train the action path
    tasks: list[str] | None = None  # this stage's tasks (None: all in the data); captions are always kept
    task_weights: dict[str, float] = field(default_factory=dict)  # sampling weight per task (default 1)
    caption_weight: float = 1.0  # sampling weight of the caption examples as one task
    question_weight: float = 1.0  # sampling weight of the scene-question examples as one task
    goal_paraphrase: float = 0.0  # share of long-horizon goals rewritten in other words (goal_paraphrase.py)
    loss_weights: dict[str, float] = field(default_factory=lambda: {"text": 1.0, "map": 1.0, "flow": 1.0})
    balanced_words: list[str] = field(default_factory=list)  # per-task prior factored out of the text loss
    init_from: str | None = None  # checkpoint directory whose weights start this run (e.g. stage 1)
    resume: bool = True  # continue from out/latest when it exists
    log_every: int = 10
    save_every: int = 200
    keep_last: int = 3
    val_every: int = 0
    threads: int = 1
    device: str = "cpu"
    precision: str = "auto"  # auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16
    progress: bool = True
    prepare_only: bool = False  # build the data cache and stop (so parallel runs then share it)
    data: DataSettings = field(default_factory=DataSettings)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise KeyError(f"unknown train settings {unknown}")
        values = dict(values)
        data = values.pop("data", {}) or {}
        bad = sorted(set(data) - {f.name for f in fields(DataSettings)})
        if bad:
            raise KeyError(f"unknown data settings {bad}")
        return cls(data=DataSettings(**data), **values)
