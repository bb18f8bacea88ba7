"""lohovla-demo: run the shipped policy on a seen and an unseen task, print what it plans, write annotated videos."""

from __future__ import annotations

import hydra
import numpy as np
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


def _choose_policy(spec: str) -> str:
    from lohovla.policy_loading import shipped_checkpoint

    if spec != "auto":
        return spec
    return "lohovla-tiny" if shipped_checkpoint("lohovla-tiny") else "oracle"


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="demo")
def main(cfg: DictConfig) -> None:
    from lohovla import load_policy, make_env
    from lohovla.envs.spec import split_seed
    from lohovla.envs.tasks.registry import get_task_class
    from lohovla.visualize.record import run_recorded
    from lohovla.visualize.writer import check_video_path

    spec = _choose_policy(str(cfg.policy))
    try:
        check_video_path(f"{cfg.out}/demo.{cfg.video_format}")
        policy = load_policy(spec, **to_dict(cfg.policy_kwargs))
    except ValueError as exc:
        raise SystemExit(f"lohovla-demo: {exc}") from None
    print(f"policy: {spec}")
    for task in cfg.tasks:
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
