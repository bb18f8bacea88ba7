"""lohovla-demo: run the shipped policy on a seen and an unseen task, print what it plans, write annotated videos."""

from __future__ import annotations

import numpy as np
from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, UsageError, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="run the shipped policy on one seen and one unseen task; print what it plans, score and latency; "
    "write videos.",
    options=[
        ("policy=NAME|DIR", "auto (lohovla-tiny when shipped, else the oracle) | oracle | a checkpoint directory"),
        (
            "tasks=ID,ID",
            "default put-block-into-matching-bowl (B, seen) and put-block-into-mismatching-bowl (F, unseen)",
        ),
        ("split=S", "train | val | test; default test"),
        ("mode=M", "fast | arm; default fast"),
        ("video_format=F", "mp4 | gif; default mp4"),
        ("out=DIR", "videos go here; default outputs/demo"),
    ],
    examples=["lohovla-demo", "lohovla-demo mode=arm tasks=stack-blocks-of-same-color"],
    lists=("tasks",),
)


def _choose_policy(spec: str) -> str:
    from lohovla.policy_loading import shipped_checkpoint

    if spec != "auto":
        return spec
    return "lohovla-tiny" if shipped_checkpoint("lohovla-tiny") else "oracle"


@command("lohovla-demo", "demo", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-demo: a seen and an unseen episode with videos."""
    tasks = checks.task_selection(cfg.tasks if isinstance(cfg.tasks, str) else list(cfg.tasks))
    checks.one_of("split", cfg.split, checks.SPLITS)
    checks.one_of("mode", cfg.mode, checks.MODES)
    spec = _choose_policy(str(cfg.policy))
    policy = checks.load_policy(spec, to_dict(cfg.policy_kwargs))

    from lohovla import make_env
    from lohovla.envs.spec import split_seed
    from lohovla.envs.tasks.registry import get_task_class
    from lohovla.visualize.record import run_recorded
    from lohovla.visualize.writer import check_video_path

    try:
        check_video_path(f"{cfg.out}/demo.{cfg.video_format}")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"policy: {spec}")
    for task in tasks:
        seen = "seen" if get_task_class(task).seen else "unseen"
        env = make_env(task, split=cfg.split, mode=cfg.mode, **to_dict(cfg.env))
        seed = split_seed(cfg.split, cfg.first_index)
        rec = run_recorded(policy, env, seed, video=f"{cfg.out}/{task}-{seed}.{cfg.video_format}", fps=int(cfg.fps))
        ep = rec.result
        print(f"\n[{task} ({seen}), {cfg.split} seed {seed}] goal: {rec.view.goal}")
        for t, (subtask, reward, timing) in enumerate(zip(ep.subtasks, ep.rewards, ep.timings)):
            plan = f"plan {timing.get('plan_ms', 0):.0f} ms, action {timing.get('action_ms', 0):.0f} ms"
            print(f"  step {t + 1}: {subtask}  reward {reward:+.2f}  ({plan})")
        lat = np.asarray(ep.decision_ms)
        print(
            f"  score {ep.score:.1f}  success {ep.success}  steps {ep.steps}  "
            f"decision latency median {np.median(lat):.1f} ms, max {lat.max():.1f} ms"
        )
        print(f"  video: {rec.video}")
        env.close()


if __name__ == "__main__":
    main()
