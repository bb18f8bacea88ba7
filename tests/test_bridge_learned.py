"""The learned-policy class through the bridge equals the same policy in-process.

The equality is a property of the pipeline (heightmap built robot-side, per-client forks, the closed loop
on the server), not of training, so an untrained micro checkpoint built here is enough to check it; the
shipped checkpoint is checked the same way in test_bridge_sim.py once it exists.
"""

from __future__ import annotations

import numpy as np

import lohovla
from lohovla.bridge.client import PolicyClient
from lohovla.bridge.runner import run_episode
from lohovla.bridge.server import serving
from lohovla.bridge.sim_robot import SimRobot
from lohovla.policies.lohovla.loading import build_model, save_checkpoint
from tests._model_fixtures import micro_config


def test_learned_policy_class_through_the_bridge_equals_in_process(tmp_path) -> None:
    save_checkpoint(build_model(micro_config()), tmp_path / "micro")
    policy = lohovla.load_policy(str(tmp_path / "micro"))
    task, seed = "put-block-into-matching-bowl", 10001
    env = lohovla.make_env(task)
    reference = lohovla.run_episode(policy.fork(), env, seed)
    env.close()
    robot = SimRobot(task)
    try:
        with serving(policy) as server, PolicyClient(server.endpoint, "sim", deadline_s=60.0) as client:
            episode = run_episode(robot, client, robot.start(seed))
    finally:
        robot.close()
    assert episode.steps == reference.steps >= 1
    assert episode.subtasks == reference.subtasks
    for got, want in zip(episode.actions, reference.actions):
        np.testing.assert_array_equal(np.asarray(got, dtype=np.float32), want)
    assert episode.score == reference.score
