"""lohovla-export: write a LoHoSet dataset in the LeRobotDataset v3.0 layout (Parquet episodes, meta/ with
info, stats, tasks), so lerobot's trainers can read it. Built in a temporary folder, renamed into place."""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli.app import Help, UsageError, command

HELP = Help(
    summary="write a LoHoSet dataset (lohovla-collect) in the LeRobotDataset v3.0 layout, for lerobot's trainers.",
    options=[
        ("source=DIR", "a dataset written by lohovla-collect"),
        ("out=DIR", "the LeRobotDataset folder to create"),
        ("overwrite=BOOL", "replace out= if it exists; default false"),
        ("robot_type=NAME", "the robot_type field of meta/info.json"),
    ],
    examples=["lohovla-export source=data/small out=data/small-lerobot"],
)


@command("lohovla-export", "export", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-export: one LeRobotDataset."""
    from lohovla.data.lerobot_export import export_lerobot

    if not cfg.source or not cfg.out:
        raise UsageError("give both: lohovla-export source=LOHOSET_DIR out=LEROBOT_DIR")
    try:
        result = export_lerobot(cfg.source, cfg.out, overwrite=bool(cfg.overwrite), robot_type=str(cfg.robot_type))
    except (FileNotFoundError, FileExistsError) as exc:
        raise UsageError(str(exc)) from None
    print(
        f"wrote {result.root}: {result.episodes} episodes, {result.frames} frames, {result.tasks} tasks, "
        f"{result.data_files} data file(s) (LeRobotDataset v3.0)"
    )


if __name__ == "__main__":
    main()
