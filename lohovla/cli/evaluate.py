"""lohovla-eval: evaluate a policy over tasks and seeds; writes results.json (with provenance), results.md and
results.png (95% Wilson intervals, the baseline run and the paper beside ours); video=DIR records episodes."""

from __future__ import annotations

import sys

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, UsageError, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="evaluate a policy over tasks and seeds; write results.json, results.md (LoHoVLA's Table 2 layout) and "
    "results.png.",
    options=[
        ("policy=NAME|DIR", "oracle | lohovla-tiny | vanilla-tiny | a checkpoint directory; default oracle"),
        ("policy_kwargs={k: v}", "e.g. {decoder: d2f}; or decoder=d2f (configs/decoder/)"),
        ("tasks=SEL", "a group (list below) | id | id,id,...; default table"),
        ("split=S", "train | val | test; default test (develop on val, report on test)"),
        ("episodes=N", "episodes per task (>= 1); default 200"),
        ("first_index=I", "start at the split's I-th seed; default 0"),
        ("workers=W", "parallel processes (>= 1); default 2"),
        ("mode=M", "fast | arm; default fast"),
        ("out=DIR", "where the report goes; default outputs/eval"),
    ],
    examples=[
        "lohovla-eval policy=lohovla-tiny tasks=table split=val episodes=20",
        "lohovla-eval policy=oracle tasks=put-block-into-matching-bowl,stack-blocks-of-same-size episodes=10",
    ],
    lists=("tasks", "policies"),
)


@command("lohovla-eval", "eval", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-eval: evaluate a policy; exits non-zero when an episode crashed."""
    from lohovla.evaluation.evaluate import crashed_episodes, evaluate
    from lohovla.evaluation.report import load_baseline, results_markdown, write_report

    tasks = checks.task_selection(cfg.tasks if isinstance(cfg.tasks, str) else list(cfg.tasks))
    checks.load_policy(str(cfg.policy), to_dict(cfg.policy_kwargs))
    checks.at_least("episodes", cfg.episodes, 1)
    checks.at_least("workers", cfg.workers, 1)
    checks.at_least("first_index", cfg.first_index, 0)
    checks.one_of("split", cfg.split, checks.SPLITS)
    checks.one_of("mode", cfg.mode, checks.MODES)
    checks.env_options(cfg.split, to_dict(cfg.env))
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
    except ValueError as exc:  # a bad video format or template: one line, no traceback
        raise UsageError(str(exc)) from None
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
