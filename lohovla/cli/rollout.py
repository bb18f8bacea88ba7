"""lohovla-rollout: one task, N episodes; prints each step's sub-task, writes an annotated video per episode and,
with explain=true, one PNG per step (maps, points, checks) plus a contact sheet."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="rollout")
def main(cfg: DictConfig) -> None:
    from lohovla import load_policy, make_env
    from lohovla.envs.spec import split_seed
    from lohovla.visualize.explain import write_explanations
    from lohovla.visualize.record import run_recorded
    from lohovla.visualize.writer import check_video_path

    try:
        if cfg.video:
            check_video_path(str(cfg.video).format(task=cfg.task, seed=0))
        policy = load_policy(cfg.policy, **to_dict(cfg.policy_kwargs))
        env = make_env(cfg.task, split=cfg.split, mode=cfg.mode, **to_dict(cfg.env))
    except ValueError as exc:  # unknown policy, task or split, a video name that is not .mp4/.gif
        raise SystemExit(f"lohovla-rollout: {exc}") from None
    for i in range(cfg.episodes):
        seed = split_seed(cfg.split, cfg.first_index + i)
        video = str(cfg.video).format(task=cfg.task, seed=seed) if cfg.video else None
        rec = run_recorded(policy, env, seed, video=video, fps=int(cfg.fps))
        ep = rec.result
        print(f"[{cfg.task} seed {seed}] goal: {rec.view.goal}")
        for t, (trace, reward) in enumerate(zip(rec.steps, ep.rewards)):
            checks = f"  [grounding: {', '.join(trace.interventions)}]" if trace.interventions else ""
            print(f"  step {t + 1}: {trace.subtask}  (reward {reward:+.2f}){checks}")
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
