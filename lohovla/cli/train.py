"""lohovla-train: train LoHoVLA or the vanilla-VLA baseline (hydra; `key=value` overrides; resumes after a kill).

lohovla-train experiment=lohovla_tiny                # the shipped recipe (see scripts/train_tiny.sh)
lohovla-train train=stage1 out=runs/s1               # LoHoVLA stage 1, then
lohovla-train train=stage2 init_from=runs/s1/final out=runs/s2
torchrun --nproc_per_node=2 -m lohovla.cli.train device=cuda ...   # DistributedDataParallel
"""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli.app import Help, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="train LoHoVLA or the vanilla-VLA baseline on LoHoSet datasets; checkpoints and resumes after a kill.",
    options=[
        ("experiment=NAME", "lohovla_tiny | vanilla_tiny | smoke (configs/experiment/)"),
        ("train=STAGE", "one_stage | stage1 | stage2 (configs/train/)"),
        ("model=NAME", "the architecture (configs/model/); default tiny"),
        ("data.roots=[DIR,...]", "datasets written by lohovla-collect"),
        ("out=DIR", "run folder (checkpoints, logs); default runs/lohovla-tiny"),
        ("init_from=DIR", "start from another run's weights"),
        ("device=D", "cpu | cuda; default cpu"),
        ("resume=BOOL", "continue the run in out= if it exists; default true"),
    ],
    examples=[
        "lohovla-train experiment=lohovla_tiny",
        "torchrun --nproc_per_node=2 -m lohovla.cli.train device=cuda experiment=lohovla_tiny",
    ],
)


@command("lohovla-train", "train", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-train: one training run."""
    from lohovla.training.run import run_training

    run_training(to_dict(cfg))


if __name__ == "__main__":
    main()
