"""lohovla-rollout: one task, N episodes; prints each step's sub-task, writes an annotated video per episode and,
with explain=true, one PNG per step (maps, points, checks) plus a contact sheet."""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, UsageError, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="run a policy on one task for N episodes; print every step's sub-task and reward; write a video each.",
    options=[
        ("task=ID", "one task id (list below); default put-block-into-matching-bowl"),
        ("policy=NAME|DIR", "oracle | lohovla-tiny | vanilla-tiny | a checkpoint directory; default oracle"),
        ("policy_kwargs={k: v}", "e.g. {decoder: d2f}, {replan: threshold} or {grounding: false}"),
        ("episodes=N", "episodes to run (>= 1); default 1"),
        ("split=S", "train | val | test; default test (seeds: train even from 0, val odd from 1, test odd from 10001)"),
        ("first_index=I", "start at the split's I-th seed; default 0"),
        ("mode=M", "fast | arm (the Panda arm moves); default fast"),
        ("video=PATH", "outputs/rollout/{task}-{seed}.mp4 by default; .gif for a GIF; empty for none"),
        ("explain=true", "per step a PNG of the maps, points and grounding checks, plus a contact sheet"),
    ],
    examples=[
        "lohovla-rollout task=stack-blocks-of-same-color policy=lohovla-tiny episodes=2",
        "lohovla-rollout task=stack-block-in-absolute-area policy=lohovla-tiny split=val explain=true",
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
    checks.env_options(cfg.split, to_dict(cfg.env))
    if cfg.video:
        from lohovla.visualize.writer import check_video_path

        try:
            check_video_path(str(cfg.video).format(task=cfg.task, seed=0))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    policy = checks.load_policy(str(cfg.policy), to_dict(cfg.policy_kwargs))

    from lohovla import make_env
    from lohovla.envs.spec import split_seed
    from lohovla.visualize.explain import write_explanations
    from lohovla.visualize.record import run_recorded

    env = make_env(cfg.task, split=cfg.split, mode=cfg.mode, **to_dict(cfg.env))
    for i in range(cfg.episodes):
        seed = split_seed(cfg.split, cfg.first_index + i)
        video = str(cfg.video).format(task=cfg.task, seed=seed) if cfg.video else None
        rec = run_recorded(policy, env, seed, video=video, fps=int(cfg.fps))
        ep = rec.result
        print(f"[{cfg.task} seed {seed}] goal: {rec.view.goal}")
        for t, (trace, reward) in enumerate(zip(rec.steps, ep.rewards)):
            fired = f"  [grounding: {', '.join(trace.interventions)}]" if trace.interventions else ""
            print(f"  step {t + 1}: {trace.subtask}  (reward {reward:+.2f}){fired}")
        print(f"  score {ep.score:.1f}  success {ep.success}  steps {ep.steps}")
        if rec.video:
            print(f"  video: {rec.video}")
        if cfg.explain:
            out = str(cfg.explain_dir).format(task=cfg.task, seed=seed)
            paths = write_explanations(rec.steps, ep.rewards, rec.view.goal, out)
            print(f"  explanations: {len(paths) - 1} step images and {paths[-1]}" if paths else "  no steps")
    env.close()


if __name__ == "__main__":
    main()
