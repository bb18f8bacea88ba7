"""lohovla-rollout: one task, N episodes; prints each step's sub-task and writes a video per episode."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict, write_video


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="rollout")
def main(cfg: DictConfig) -> None:
    from lohovla import load_policy, make_env, run_episode
    from lohovla.envs.spec import split_seed

    policy = load_policy(cfg.policy, **to_dict(cfg.policy_kwargs))
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
