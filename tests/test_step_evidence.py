"""Reading off two heightmaps whether the last pick-and-place moved a block, and the `evidence` re-planning rule."""

from __future__ import annotations

import numpy as np
import torch
from _model_fixtures import micro_config, random_obs

from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.policies.base import Feedback
from lohovla.policies.closed_loop import ReplanRule
from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.policy import LoHoVLAPolicy
from lohovla.policies.step_evidence import carried_out, patch_height

PICK, PLACE = np.array([0.4, -0.2]), np.array([0.6, 0.25])


def _with_block(height: np.ndarray, xy: np.ndarray, top: float, half: float = 0.02) -> np.ndarray:
    out = height.copy()
    r = int((xy[1] - BOUNDS[1, 0]) / PIXEL_SIZE)
    c = int((xy[0] - BOUNDS[0, 0]) / PIXEL_SIZE)
    k = int(half / PIXEL_SIZE)
    out[r - k : r + k, c - k : c + k] = top
    return out


def test_a_block_moved_from_pick_to_place_is_seen() -> None:
    table = np.zeros((320, 160), np.float32)
    before = _with_block(table, PICK, 0.04)
    assert abs(patch_height(before, PICK) - 0.04) < 1e-6 and patch_height(before, PLACE) == 0.0
    moved = _with_block(table, PLACE, 0.04)
    assert carried_out(before, moved, PICK, PLACE)
    stacked = _with_block(_with_block(table, PLACE, 0.04), PLACE, 0.08, half=0.015)  # onto another block
    assert carried_out(_with_block(_with_block(table, PLACE, 0.04), PICK, 0.04), stacked, PICK, PLACE)


def test_a_missed_grasp_or_a_dropped_block_is_not() -> None:
    table = np.zeros((320, 160), np.float32)
    before = _with_block(table, PICK, 0.04)
    assert not carried_out(before, before, PICK, PLACE)  # nothing happened
    assert not carried_out(before, table, PICK, PLACE)  # the block left but never arrived (dropped off the table)
    nudged = _with_block(table, PICK + 0.005, 0.04)
    assert not carried_out(before, nudged, PICK, PLACE)
    assert not carried_out(before, before, PICK, np.array([2.0, 2.0]))  # a place point off the map reads as table


def test_evidence_replans_at_once_only_when_the_try_was_carried_out() -> None:
    rule = ReplanRule("evidence", 2)
    assert rule.should_plan(0, 0.0)
    assert not rule.should_plan(1, 0.0, carried_out=False)  # a miss: retry, as threshold does
    assert rule.should_plan(2, 0.0, carried_out=True)  # done and unrewarded: the wrong sub-task
    assert [rule.should_plan(i, 0.0) for i in (3, 4, 5)] == [False, False, True]  # still more than K failures
    threshold = ReplanRule("threshold", 2)
    threshold.should_plan(0, 0.0)
    assert not threshold.should_plan(1, 0.0, carried_out=True)  # threshold ignores the evidence


def test_policy_replans_after_a_move_that_earned_nothing() -> None:
    torch.manual_seed(0)
    policy = LoHoVLAPolicy(build_model(micro_config()), replan="evidence", k=2)
    goal = "put the blocks in the bowls with matching colors."
    policy.reset(goal)
    obs = random_obs(0, goal)
    obs["height"] = np.zeros((320, 160), np.float32)
    first = policy.act(obs, Feedback())
    pick, place = first.action.pick[0][:2], first.action.place[0][:2]
    still = dict(obs, height=_with_block(obs["height"], pick, 0.04))  # the block is still at the pick point...
    policy.last_move = (still["height"], first.action)
    assert not policy.act(still, Feedback(step=1, reward=0.0)).replanned  # ...a miss: the sub-task is kept
    policy.last_move = (still["height"], first.action)
    moved = dict(obs, height=_with_block(obs["height"], place, 0.04))  # ...the block went to the place point
    assert policy.act(moved, Feedback(step=2, reward=0.0)).replanned
