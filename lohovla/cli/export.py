"""lohovla-export: write a LoHoSet dataset in the LeRobotDataset v3.0 layout (Parquet episodes, meta/ with
info, stats, tasks), so lerobot's trainers can read it. Built in a temporary folder, renamed into place."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="export")
def main(cfg: DictConfig) -> None:
    from lohovla.data.lerobot_export import export_lerobot

    if not cfg.source or not cfg.out:
        raise SystemExit("give both: lohovla-export source=LOHOSET_DIR out=LEROBOT_DIR")
    try:
        result = export_lerobot(cfg.source, cfg.out, overwrite=bool(cfg.overwrite), robot_type=str(cfg.robot_type))
    except (FileNotFoundError, FileExistsError) as exc:
        raise SystemExit(f"lohovla-export: {exc}") from None
    print(
        f"wrote {result.root}: {result.episodes} episodes, {result.frames} frames, {result.tasks} tasks, "
        f"{result.data_files} data file(s) (LeRobotDataset v3.0)"
    )


if __name__ == "__main__":
    main()
