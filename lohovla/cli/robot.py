"""lohovla-robot: drive a robot (the simulator, or your hardware) with a policy served by lohovla-serve.

lohovla-robot robot=sim task=put-block-into-matching-bowl server=tcp://127.0.0.1:5555 episodes=3
lohovla-robot robot=my_lab.ur5:make_robot +robot_kwargs.ip=10.0.0.2 goal="stack the blocks." server=...
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, UsageError, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="drive a robot (the simulator, or your hardware) with a policy served by lohovla-serve (docs/bridge.md).",
    options=[
        ("server=ENDPOINT", "the policy server; default tcp://127.0.0.1:5555 (start it with lohovla-serve)"),
        ("robot=sim|MOD:FACTORY", "sim (PyBullet behind the Robot interface) or package.module:factory for hardware"),
        ("goal=TEXT", "the instruction (hardware only; the simulator has its own)"),
        ("task=ID", "sim only: one task id (list below)"),
        ("episodes=N", "episodes (>= 1); default 1"),
        ("split=S / seed=N", "sim only: train | val | test, or one exact seed"),
        ("bridge.connect_s=S", "how long to wait for the server to answer at start; default 10"),
        ("out=PATH", "write every episode's summary as JSON"),
    ],
    examples=[
        "lohovla-serve policy=lohovla-tiny &   # then:",
        "lohovla-robot robot=sim task=put-block-into-matching-bowl episodes=3",
        "lohovla-robot robot=my_lab.ur5:make_robot +robot_kwargs.ip=10.0.0.2 goal='stack the blocks.'",
    ],
    lists=("tasks",),
)


def client_keys(curve: DictConfig) -> Any:
    from lohovla.bridge.curve import ClientKeys

    if not curve.client_secret and not curve.server_public:
        return None
    if not (curve.client_secret and curve.server_public):
        raise UsageError("CurveZMQ needs both bridge.curve.client_secret and bridge.curve.server_public")
    return ClientKeys(str(curve.client_secret), str(curve.server_public))


def load_robot(spec: str, kwargs: dict[str, Any]) -> Any:
    """ "package.module:factory" -> factory(**kwargs), a `lohovla.bridge.robot.Robot`."""
    module, _, attr = spec.partition(":")
    if not attr:
        raise UsageError(f"robot={spec!r}: expected 'sim' or 'package.module:factory'")
    return getattr(importlib.import_module(module), attr)(**kwargs)


def summary(episode: Any, **extra: Any) -> dict[str, Any]:
    rtt = [t["rtt_ms"] for t in episode.timings]
    return {
        **extra, "goal": episode.goal, "steps": episode.steps, "score": episode.score, "success": episode.success,
        "subtasks": episode.subtasks, "actions": [a.tolist() for a in episode.actions], "rewards": episode.rewards,
        "refusals": [dataclasses.asdict(r) for r in episode.refusals],
        "faults": [dataclasses.asdict(f) for f in episode.faults],
        "median_rtt_ms": float(np.median(rtt)) if rtt else None,
    }  # fmt: skip


def wait_for_server(client: Any, endpoint: str, connect_s: float) -> None:
    """Ping until the server answers or `connect_s` passes; then one line that says what to do."""
    import time

    from lohovla.bridge.client import DeadlineExceeded

    give_up = time.monotonic() + connect_s
    while True:
        try:
            client.ping()
            return
        except DeadlineExceeded:
            if time.monotonic() >= give_up:
                raise UsageError(
                    f"no policy server answers at {endpoint} after {connect_s:.0f} s; start one with "
                    f"`lohovla-serve bind={endpoint}` (or point server= at it)"
                ) from None


@command("lohovla-robot", "robot", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-robot: episodes against a policy server."""
    from lohovla.bridge.client import PolicyClient
    from lohovla.bridge.runner import RunnerConfig, run_episode

    checks.at_least("episodes", cfg.episodes, 1)
    if cfg.robot == "sim":
        checks.task_id(str(cfg.task))
        checks.one_of("split", cfg.split, checks.SPLITS)
        checks.one_of("mode", cfg.mode, checks.MODES)

    logging.basicConfig(level=cfg.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bridge = cfg.bridge
    runner = RunnerConfig(watchdog_s=float(bridge.watchdog_s), max_outage_s=float(bridge.max_outage_s))
    client = PolicyClient(
        str(cfg.server), str(cfg.name), deadline_s=float(bridge.deadline_s), keys=client_keys(bridge.curve)
    )
    results = []
    try:
        wait_for_server(client, str(cfg.server), float(bridge.connect_s))
        if cfg.robot == "sim":
            from lohovla.bridge.sim_robot import SimRobot
            from lohovla.envs.spec import split_seed

            robot = SimRobot(str(cfg.task), split=str(cfg.split), mode=str(cfg.mode), **to_dict(cfg.env))
            count = 1 if cfg.seed is not None else int(cfg.episodes)
            seeds = (
                [int(cfg.seed)]
                if cfg.seed is not None
                else [split_seed(cfg.split, cfg.first_index + i) for i in range(count)]
            )
            for seed in seeds:
                goal = robot.start(seed)
                episode = run_episode(robot, client, goal, max_steps=cfg.max_steps, config=runner)
                results.append(summary(episode, task=str(cfg.task), seed=seed))
                report(results[-1])
            robot.close()
        else:
            if not cfg.goal:
                raise UsageError("a hardware robot needs goal=...")
            robot = load_robot(str(cfg.robot), to_dict(cfg.robot_kwargs))
            for _ in range(int(cfg.episodes)):
                episode = run_episode(robot, client, str(cfg.goal), max_steps=cfg.max_steps, config=runner)
                results.append(summary(episode))
                report(results[-1])
    finally:
        client.close()
    if cfg.out:
        Path(cfg.out).parent.mkdir(parents=True, exist_ok=True)
        Path(cfg.out).write_text(json.dumps(results, indent=1))


def report(result: dict[str, Any]) -> None:
    where = f"[{result['task']} seed {result['seed']}] " if "seed" in result else ""
    print(f"{where}goal: {result['goal']}", flush=True)
    for t, subtask in enumerate(result["subtasks"]):
        print(f"  step {t + 1}: {subtask}  (reward {result['rewards'][t]:+.2f})")
    for fault in result["faults"]:
        print(f"  fault at {fault['t']:.2f}s: {fault['kind']}: {fault['detail']}")
    for refusal in result["refusals"]:
        print(f"  refused command {refusal['step']}: {'; '.join(refusal['reasons'])}")
    score = "n/a" if result["score"] is None else f"{result['score']:.1f}"
    rtt = "n/a" if result["median_rtt_ms"] is None else f"{result['median_rtt_ms']:.2f} ms"
    print(f"  score {score}  success {result['success']}  steps {result['steps']}  median round trip {rtt}")


if __name__ == "__main__":
    main()
