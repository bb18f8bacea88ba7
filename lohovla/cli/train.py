"""lohovla-train: train LoHoVLA or the vanilla-VLA baseline (hydra; `key=value` overrides; resumes after a kill).

lohovla-train experiment=lohovla_tiny                # the shipped recipe (see scripts/train_tiny.sh)
lohovla-train train=stage1 out=runs/s1               # LoHoVLA stage 1, then
lohovla-train train=stage2 init_from=runs/s1/final out=runs/s2
torchrun --nproc_per_node=2 -m lohovla.cli.train device=cuda ...   # DistributedDataParallel
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="train")
def main(cfg: DictConfig) -> None:
    from lohovla.training.run import run_training

    run_training(to_dict(cfg))


if __name__ == "__main__":
    main()
