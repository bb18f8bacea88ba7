"""The gymnasium env: API contract, determinism, bad actions, observations."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import lohovla
from lohovla.envs.registration import env_id, register_all
from lohovla.policies.oracle import OraclePolicy
from lohovla.rollout import run_episode

TASK = "put-block-into-matching-bowl"


@pytest.fixture(scope="module")
def env():
    e = lohovla.make_env(TASK, split="test")
    yield e
    e.close()


def _oracle_action(info):
    o = info["oracle"]
    return {"pick": o["pick"], "place": o["place"]}


def test_observation_layout(env):
    obs, info = env.reset(seed=10001)
    assert obs["color"].shape == (320, 160, 3) and obs["color"].dtype == np.uint8
    assert obs["height"].shape == (320, 160) and obs["height"].dtype == np.float32
    assert obs["goal"] == info["goal"] == "put the blocks in the bowls with matching colors."
    assert obs["height"].min() >= 0.0 and obs["height"].max() <= 0.3
    assert env.observation_space.contains(obs)
    # blocks are 4 cm: the tallest thing on the table is a block or a bowl wall
    assert 0.03 < obs["height"].max() < 0.045


def test_same_seed_same_scene_and_outcome(env):
    obs_a, info_a = env.reset(seed=10003)
    obs_b, info_b = env.reset(seed=10003)
    np.testing.assert_array_equal(obs_a["color"], obs_b["color"])
    np.testing.assert_array_equal(obs_a["height"], obs_b["height"])
    assert info_a["objects"] == info_b["objects"]
    first = run_episode(OraclePolicy(), env, seed=10005)
    second = run_episode(OraclePolicy(), env, seed=10005)
    assert first.subtasks == second.subtasks and first.score == second.score
    np.testing.assert_array_equal(np.stack(first.actions), np.stack(second.actions))


def test_different_seeds_differ(env):
    _, a = env.reset(seed=10001)
    _, b = env.reset(seed=10003)
    assert a["objects"] != b["objects"]


def test_seed_none_walks_the_split():
    e = lohovla.make_env(TASK, split="val")
    _, info = e.reset()
    assert info["seed"] == 1
    _, info = e.reset()
    assert info["seed"] == 3
    e.close()


def test_rewards_add_up_to_the_score(env):
    obs, info = env.reset(seed=10007)
    total, done = 0.0, False
    while not done:
        obs, r, term, trunc, info = env.step(_oracle_action(info))
        total += r
        done = term or trunc
    assert info["success"] and total == pytest.approx(1.0, abs=1e-6)
    assert info["score"] == pytest.approx(100 * total)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ({"pick": ([np.nan, 0, 0.1], [0, 0, 0, 1]), "place": ([0.5, 0, 0.1], [0, 0, 0, 1])}, "NaN"),
        ({"pick": ([0.5, 0, 0.1], [0, 0, 0, 1]), "place": ([2.0, 0, 0.1], [0, 0, 0, 1])}, "outside"),
        ({"pick": ([0.5, 0], [0, 0, 0, 1]), "place": ([0.5, 0, 0.1], [0, 0, 0, 1])}, "3 numbers"),
        ({"pick": ([0.5, 0, 0.1], [0, 0, 0, 0]), "place": ([0.5, 0, 0.1], [0, 0, 0, 1])}, "zero norm"),
        ({"place": ([0.5, 0, 0.1], [0, 0, 0, 1])}, "missing"),
        ("pick up the red block", "must be a dict"),
    ],
)
def test_bad_action_is_refused_and_the_episode_goes_on(env, bad, fragment):
    _, info = env.reset(seed=10009)
    before = info["objects"]
    obs, reward, term, trunc, info = env.step(bad)
    assert reward == 0.0 and not term
    assert fragment in info["error"]
    assert info["objects"] == before
    obs, reward, term, trunc, info = env.step(_oracle_action(info))  # still usable
    assert info["error"] is None and reward > 0


def test_strict_mode_raises_value_error():
    e = lohovla.make_env(TASK, split="test", strict=True)
    e.reset(seed=10001)
    with pytest.raises(ValueError, match="outside the workspace"):
        e.step({"pick": ([0.5, 0, 0.1], [0, 0, 0, 1]), "place": ([0.5, 0.9, 0.1], [0, 0, 0, 1])})
    e.close()


def test_pick_on_empty_table_earns_nothing(env):
    _, info = env.reset(seed=10011)
    taken = np.array([o["position"][:2] for o in info["objects"]])
    free = next(
        np.array([x, y])
        for x in np.linspace(0.3, 0.7, 9)
        for y in np.linspace(-0.45, 0.45, 19)
        if np.min(np.linalg.norm(taken - [x, y], axis=1)) > 0.1
    )
    act = {"pick": ([*free, 0.0], [0, 0, 0, 1]), "place": ([0.5, 0.0, 0.1], [0, 0, 0, 1])}
    _, reward, _, _, info = env.step(act)
    assert reward == 0.0 and info["grasped"] is False and info["error"] is None


def test_episode_truncates_at_max_steps(env):
    _, info = env.reset(seed=10013)
    idle = {"pick": ([0.26, -0.49, 0.0], [0, 0, 0, 1]), "place": ([0.26, -0.49, 0.0], [0, 0, 0, 1])}
    for _ in range(info["max_steps"] - 1):
        _, _, term, trunc, _ = env.step(idle)
        assert not (term or trunc)
    _, _, term, trunc, info = env.step(idle)
    assert trunc and not term and info["score"] == 0.0


def test_check_env_passes():
    e = gym.make(env_id(TASK), split="test")
    check_env(e.unwrapped, skip_render_check=True)
    e.close()


def test_render_rgb_array():
    e = lohovla.make_env(TASK, split="test", render_mode="rgb_array")
    e.reset(seed=10001)
    frame = e.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8 and frame.std() > 5
    e.close()


def test_vector_env_runs():
    register_all()
    vec = gym.vector.AsyncVectorEnv([lambda: gym.make(env_id(TASK), split="test")] * 2)
    obs, infos = vec.reset(seed=[10001, 10003])
    assert obs["color"].shape == (2, 320, 160, 3)
    acts = {
        "pick": (np.tile([0.3, 0.0, 0.02], (2, 1)), np.tile([0, 0, 0, 1.0], (2, 1))),
        "place": (np.tile([0.6, 0.0, 0.02], (2, 1)), np.tile([0, 0, 0, 1.0], (2, 1))),
    }
    obs, rewards, term, trunc, infos = vec.step(acts)
    assert rewards.shape == (2,)
    vec.close()


def test_unknown_names_are_clear():
    with pytest.raises(ValueError, match="unknown task"):
        lohovla.make_env("stack-everything")
    with pytest.raises(ValueError, match="unknown split"):
        lohovla.make_env(TASK, split="holdout")
    with pytest.raises(ValueError, match="unknown mode"):
        lohovla.make_env(TASK, mode="teleport")
