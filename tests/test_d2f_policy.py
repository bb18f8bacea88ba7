"""The policy with `decoder="d2f"`: plans with the D2F decoder and its action path reads the same cache layout."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _d2f_fixtures import sharp_model

from lohovla.policies.base import Feedback
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, prefill
from lohovla.policies.lohovla.policy import LoHoVLAPolicy
from lohovla.policies.lohovla.vision import downsample

GOAL = "put the blocks in the bowls with matching colors."
SETTINGS = {"block_size": 4, "tau_conf": 0.6, "max_tokens": 10}


def _obs(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "color": rng.integers(0, 256, (320, 160, 3), dtype=np.uint8),
        "height": (rng.random((320, 160)) * 0.04).astype(np.float32),
        "goal": GOAL,
    }


@torch.no_grad()
@pytest.mark.parametrize("verify,branches", [(False, 1), (True, 1), (True, 3)])
def test_d2f_policy_plans_what_the_planner_decodes_and_acts(verify, branches) -> None:
    model = sharp_model(80)
    settings = {**SETTINGS, "verify": verify, "branches": branches}
    policy = LoHoVLAPolicy(model, decoder="d2f", decode=settings)
    assert policy.fork().decode_cfg == policy.decode_cfg and policy.fork().decoder == "d2f"
    policy.reset(GOAL)
    obs = _obs(0)
    step = policy.act(obs, Feedback())
    assert step.replanned and policy.last_decode is not None and policy.last_decode.forwards >= 1
    color, height = downsample(obs["color"], obs["height"])
    prompt = prefill(model, torch.from_numpy(color)[None], torch.from_numpy(height)[None], [policy.goal_ids])
    want = decode(model, prompt, DecodeConfig(decoder="d2f", **settings))[0]
    assert step.subtask == model.codec.decode(want.tokens) and policy.plan(obs) == step.subtask
    assert np.isfinite(step.action.as_array()).all()
    # the AR policy with the same sub-task forced in reads out the same state, so it picks the same action
    ar = LoHoVLAPolicy(model, decoder="ar")
    ar.reset(GOAL)
    ar.subtask_ids, ar.subtask, ar.rule.planned = policy.subtask_ids, policy.subtask, True
    again = ar.act(obs, Feedback(step=1, reward=0.0))  # keeps the sub-task: action only
    assert np.allclose(again.action.as_array(), step.action.as_array(), atol=1e-4)
