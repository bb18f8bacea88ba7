"""lohovla-collect: oracle demonstrations into a sharded-Parquet LoHoSet dataset, resumably.

lohovla-collect tasks=[put-block-into-matching-bowl] episodes_per_task=100 workers=2 out=data/b
lohovla-collect collect=small            # preset: every seen task x 50
lohovla-collect collect=lohoset          # LoHoSet: long-horizon x 1,000, primitives x 10,000
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


def build_config(cfg: DictConfig):
    """The CollectConfig that a hydra config describes (task groups expanded, sizes per task)."""
    from lohovla.data.collector import CollectConfig
    from lohovla.data.presets import episodes_per_task, resolve_tasks, task_registry

    tasks = list(cfg.tasks) if not isinstance(cfg.tasks, str) else [cfg.tasks]
    known = task_registry()[0] if cfg.source == "sim" else None
    tasks = resolve_tasks(tasks, known=known)
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
    )


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="collect")
def main(cfg: DictConfig) -> None:
    from lohovla.data.collector import collect
    from lohovla.data.resume import RequestMismatchError

    config = build_config(cfg)
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
