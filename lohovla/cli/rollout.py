"""lohovla-rollout: one task, N episodes; prints each step's sub-task and writes a video per episode."""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, command
from lohovla.cli.common import to_dict, write_video

HELP = Help(
    summary="run a policy on one task for N episodes; print every step's sub-task and reward; write a video each.",
    options=[
        ("task=ID", "one task id (list below); default put-block-into-matching-bowl"),
        ("policy=NAME|DIR", "oracle | lohovla-tiny | vanilla-tiny | a checkpoint directory; default oracle"),
        ("policy_kwargs={k: v}", "e.g. {decoder: d2f} or {replan: threshold}"),
        ("episodes=N", "episodes to run (>= 1); default 1"),
        ("split=S", "train | val | test; default test (seeds: train even from 0, val odd from 1, test odd from 10001)"),
        ("first_index=I", "start at the split's I-th seed; default 0"),
        ("mode=M", "fast | arm (the Panda arm moves); default fast"),
        ("video=PATH", "outputs/rollout/{task}-{seed}.mp4 by default; .gif for a GIF; empty for none"),
    ],
    examples=[
        "lohovla-rollout task=stack-blocks-of-same-color policy=lohovla-tiny episodes=2",
        "lohovla-rollout task=put-block-into-matching-bowl policy=oracle mode=arm video=outputs/b.gif",
    ],
    lists=("tasks", "policies"),
)


@command("lohovla-rollout", "rollout", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-rollout: one task, N episodes."""
    checks.task_id(str(cfg.task))
    checks.at_least("episodes", cfg.episodes, 1)
    checks.at_least("first_index", cfg.first_index, 0)
    checks.one_of("split", cfg.split, checks.SPLITS)
    checks.one_of("mode", cfg.mode, checks.MODES)

    policy = checks.load_policy(str(cfg.policy), to_dict(cfg.policy_kwargs))

    from lohovla import make_env, run_episode
    from lohovla.envs.spec import split_seed

    env = make_env(cfg.task, split=cfg.split, mode=cfg.mode, **to_dict(cfg.env))
    for i in range(cfg.episodes):
        seed = split_seed(cfg.split, cfg.first_index + i)
        ep = run_episode(policy, env, seed, record=bool(cfg.video))
        print(f"[{cfg.task} seed {seed}] goal: {env.unwrapped.task.goal}")
        for t, (subtask, reward) in enumerate(zip(ep.subtasks, ep.rewards)):
            print(f"  step {t + 1}: {subtask}  (reward {reward:+.2f})")
        print(f"  score {ep.score:.1f}  success {ep.success}  steps {ep.steps}")
        if cfg.video:
            path = write_video(ep.frames, str(cfg.video).format(task=cfg.task, seed=seed))
            print(f"  video: {path}")
    env.close()


if __name__ == "__main__":
    main()
