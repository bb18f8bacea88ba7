"""lohovla-eval: evaluate a policy over tasks and seeds; writes results.json, results.md and a bar chart."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="eval")
def main(cfg: DictConfig) -> None:
    from lohovla.evaluation.evaluate import evaluate
    from lohovla.evaluation.report import results_markdown, write_report

    tasks = cfg.tasks if isinstance(cfg.tasks, str) else list(cfg.tasks)
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
    )
    paths = write_report(result, cfg.out)
    print(results_markdown(result))
    print("wrote " + ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
