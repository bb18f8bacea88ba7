"""lohovla-eval: evaluate a policy over tasks and seeds; writes results.json (with provenance), results.md and
results.png (95% Wilson intervals, the baseline run and the paper beside ours); video=DIR records episodes."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="eval")
def main(cfg: DictConfig) -> None:
    from lohovla.evaluation.evaluate import crashed_episodes, evaluate
    from lohovla.evaluation.report import load_baseline, results_markdown, write_report

    tasks = cfg.tasks if isinstance(cfg.tasks, str) else list(cfg.tasks)
    try:
        result = evaluate(
            str(cfg.policy),
            tasks=tasks,
            split=cfg.split,
            episodes=cfg.episodes,
            workers=cfg.workers,
            mode=cfg.mode,
            first_index=cfg.first_index,
            env_kwargs=to_dict(cfg.env),
            policy_kwargs=to_dict(cfg.policy_kwargs),
            video=f"{cfg.video}/{{task}}-{{seed}}.{cfg.video_format}" if cfg.video else None,
            video_episodes=int(cfg.video_episodes),
        )
    except ValueError as exc:  # a bad option (episodes, unknown task, video format): one line, no traceback
        raise SystemExit(f"lohovla-eval: {exc}") from None
    paths = write_report(result, cfg.out, baseline=cfg.baseline)
    print(results_markdown(result, load_baseline(cfg.baseline)))
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    crashed = crashed_episodes(result)
    if crashed:  # counted as failures above; a bug to fix, so the run fails
        for e in crashed[:10]:
            print(f"CRASHED {e['task']} seed {e['seed']}: {e['crashed']}", file=sys.stderr)
        raise SystemExit(f"{len(crashed)} episode(s) raised; they count as failures in the report")


if __name__ == "__main__":
    main()
