"""lohovla-collect: oracle demonstrations into a sharded-Parquet LoHoSet dataset, resumably.

lohovla-collect tasks=[put-block-into-matching-bowl] episodes_per_task=100 workers=2 out=data/b
lohovla-collect collect=small            # preset: every seen task x 50
lohovla-collect collect=lohoset          # LoHoSet training set: B-E + 10 extras x 1,000, primitives x 10,000
"""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="collect oracle demonstrations into a sharded-Parquet LoHoSet dataset; resumes where a killed run stopped.",
    options=[
        ("tasks=SEL", "task ids and/or groups (list below); e.g. tasks=seen or tasks=id,id"),
        ("episodes_per_task=N", "kept demonstrations per long-horizon task; default 10"),
        ("episodes_per_primitive=N", "per primitive task; default: episodes_per_task"),
        (
            "collect=PRESET",
            "small (seen x 50) | lohoset (training set, no F-K: long-horizon x 1,000, primitives x 10,000)",
        ),
        ("split=S", "train | val | test; default train"),
        ("mode=M", "fast | arm; default fast"),
        ("workers=W", "parallel processes; default 2"),
        ("out=DIR", "the dataset folder; default data/lohoset (a rerun with other settings is refused)"),
        ("videos=N", "MP4s of the first N seeds per task under out/videos/"),
        ("driver=POLICY", "closed-loop data: this policy acts, the oracle labels each state it reaches"),
        ("driver_beta=P", "with a driver: probability that a step executes the oracle's action; default 0"),
    ],
    examples=[
        "lohovla-collect tasks=put-block-into-matching-bowl episodes_per_task=100 out=data/b",
        "lohovla-collect collect=lohoset out=data/lohoset",
        "lohovla-collect tasks=seen driver=runs/x/final 'driver_kwargs={grounding: false}' min_reward=-1 out=data/cl",
    ],
    lists=("tasks",),
)


def build_config(cfg: DictConfig):
    """The CollectConfig that a hydra config describes (task groups expanded, sizes per task)."""
    from lohovla.data.collector import CollectConfig
    from lohovla.data.presets import episodes_per_task

    tasks = list(cfg.tasks) if not isinstance(cfg.tasks, str) else [cfg.tasks]
    if cfg.source == "sim":  # ids and groups of the simulator's registry, with a did-you-mean
        tasks = checks.task_selection(tasks)
    sizes = episodes_per_task(tasks, cfg.episodes_per_task, cfg.episodes_per_primitive, to_dict(cfg.episodes))
    return CollectConfig(
        out=str(cfg.out),
        episodes=sizes,
        split=str(cfg.split),
        min_reward=float(cfg.min_reward),
        env={"mode": str(cfg.mode), **to_dict(cfg.env)},
        source=str(cfg.source),
        seeds_per_shard=int(cfg.seeds_per_shard),
        png_level=int(cfg.png_level),
        workers=int(cfg.workers),
        videos=int(cfg.videos),
        progress=bool(cfg.progress),
        verify=bool(cfg.verify),
        driver=None if cfg.driver is None else checks.policy_spec(str(cfg.driver)),
        driver_kwargs=to_dict(cfg.driver_kwargs),
        driver_beta=checks.probability("driver_beta", cfg.driver_beta),
    )


@command("lohovla-collect", "collect", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-collect: demonstrations into a dataset."""
    from lohovla.data.collector import collect
    from lohovla.data.resume import RequestMismatchError

    checks.one_of("split", cfg.split, checks.SPLITS)
    checks.one_of("mode", cfg.mode, checks.MODES)
    checks.at_least("workers", cfg.workers, 1)
    checks.at_least("episodes_per_task", cfg.episodes_per_task, 1)

    config = build_config(cfg)
    if config.source == "sim":
        checks.env_options(config.split, config.env)
    total = sum(config.episodes.values())
    print(f"collecting {total} demonstrations of {len(config.episodes)} tasks ({config.split}) into {config.out}")
    try:
        result = collect(config)
    except RequestMismatchError as exc:  # a user error: one line, non-zero exit, the dataset untouched
        raise SystemExit(f"lohovla-collect: {exc}") from None
    info = result.info
    print(
        f"done: {result.episodes} episodes, {info['total_steps']} steps in {result.root} "
        f"({result.new_episodes} new in {result.seconds:.1f} s, {result.demos_per_minute:.1f} demos/min)"
    )
    for task, t in info["per_task"].items():
        print(f"  {task}: {t['episodes']} kept of {t['attempts']} attempted")


if __name__ == "__main__":
    main()
