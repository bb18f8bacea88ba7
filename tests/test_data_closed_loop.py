"""Closed-loop data: a driver policy acts, the oracle labels every state it reaches (record_episode)."""

from __future__ import annotations

import numpy as np
import pytest

import lohovla
from lohovla.data.episode import record_episode
from lohovla.data.resume import RequestMismatchError
from lohovla.policies.base import Action, Step

TASK = "put-block-into-matching-bowl"


class StandStill:
    """Picks and places at one empty corner of the table: the scene never changes. Remembers what it was told."""

    def __init__(self) -> None:
        self.seen_keys: set[str] = set()

    def reset(self, goal: str) -> None:
        self.goal = goal

    def act(self, obs, feedback) -> Step:
        self.seen_keys |= set(feedback.info)
        corner = (np.array([0.27, -0.47, 0.0]), np.array([0.0, 0.0, 0.0, 1.0]))
        return Step("stand still", Action(pick=corner, place=corner))


def test_the_driver_acts_while_the_oracle_labels_each_state_it_reaches() -> None:
    env = lohovla.make_env(TASK, split="train")
    driver = StandStill()
    ep = record_episode(env, lohovla.load_policy("oracle"), TASK, "train", 0, driver=driver)
    plain = record_episode(env, lohovla.load_policy("oracle"), TASK, "train", 0)
    env.close()
    assert ep.error is None and plain.error is None and plain.success
    # the scene never moved: every step is labelled with the oracle's first step, and nothing was achieved
    assert ep.length > plain.length and not ep.success and ep.total_reward == 0.0
    assert set(ep.subtasks) == {plain.subtasks[0]}
    assert all(np.allclose(a, plain.actions[0]) for a in ep.actions)
    assert (
        "oracle" not in driver.seen_keys and "objects" not in driver.seen_keys
    )  # a learner never sees privileged state


def test_beta_one_executes_the_oracle_and_records_its_demonstration() -> None:
    env = lohovla.make_env(TASK, split="train")
    ep = record_episode(env, lohovla.load_policy("oracle"), TASK, "train", 2, driver=StandStill(), driver_beta=1.0)
    plain = record_episode(env, lohovla.load_policy("oracle"), TASK, "train", 2)
    env.close()
    assert ep.success and ep.subtasks == plain.subtasks
    assert all(np.allclose(a, b) for a, b in zip(ep.actions, plain.actions))


def test_a_closed_loop_collection_names_its_driver_in_the_dataset(tmp_path) -> None:
    from lohovla.data.collector import CollectConfig, collect

    cfg = CollectConfig(str(tmp_path / "cl"), {TASK: 2}, min_reward=-1.0, workers=1, progress=False)
    cfg.driver, cfg.driver_beta = "oracle", 0.5
    result = collect(cfg)
    assert result.episodes == 2
    assert result.info["collection"]["driver"] == {"policy": "oracle", "kwargs": {}, "beta": 0.5}
    cfg.driver_beta = 0.0
    with pytest.raises(RequestMismatchError, match="driver"):  # another driver setting is another dataset
        collect(cfg)
