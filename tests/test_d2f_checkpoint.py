"""On the shipped checkpoint (slow; skipped when none is shipped): batched == single, and D2F's sub-task is AR's.

    LOHOVLA_TEST_CHECKPOINT=runs/lohovla-tiny/final python -m pytest -m slow tests/test_d2f_checkpoint.py


Uses 32 test-split scenes of the table tasks (episode starts), as benchmarks.decode does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, prefill
from lohovla.policy_loading import shipped_checkpoint

pytestmark = pytest.mark.slow
N = 32


@pytest.fixture(scope="module")
def setup():
    env = os.environ.get("LOHOVLA_TEST_CHECKPOINT")  # e.g. a training run's checkpoint before one is shipped
    path = Path(env) if env else shipped_checkpoint("lohovla-tiny")
    if path is None:
        pytest.skip("lohovla/checkpoints/lohovla-tiny is not shipped yet (or set LOHOVLA_TEST_CHECKPOINT)")
    import numpy as np

    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.lohovla.loading import load_model
    from lohovla.policies.lohovla.vision import downsample

    model = load_model(path)
    color, height, goals = [], [], []
    for k in range(N):
        task = lohovla.TABLE_TASKS[k % len(lohovla.TABLE_TASKS)]
        env = lohovla.make_env(task, split="test")
        obs, _ = env.reset(seed=split_seed("test", k // len(lohovla.TABLE_TASKS)))
        env.close()
        c, h = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
        color.append(torch.from_numpy(c)), height.append(torch.from_numpy(h))
        goals.append(model.codec.encode(obs["goal"])[: model.cfg.text.max_goal_tokens])
    return model, torch.stack(color), torch.stack(height), goals


@torch.inference_mode()
@pytest.mark.parametrize("verify", [False, True])
def test_checkpoint_batch_equals_single_and_agrees_with_ar(setup, verify) -> None:
    model, color, height, goals = setup
    d2f = model.cfg.decode.with_overrides(decoder="d2f", verify=verify)
    ar = DecodeConfig(decoder="ar")
    batched = {c.decoder: decode(model, prefill(model, color, height, goals), c) for c in (ar, d2f)}
    for i in range(len(goals)):
        for cfg in (ar, d2f):
            one = decode(model, prefill(model, color[i : i + 1], height[i : i + 1], goals[i : i + 1]), cfg)[0]
            assert one.tokens == batched[cfg.decoder][i].tokens, (cfg.decoder, i)
    agree = sum(a.tokens == b.tokens for a, b in zip(batched["ar"], batched["d2f"])) / len(goals)
    if verify:
        assert agree == 1.0
    print(f"D2F (verify={verify}) agreement with AR on {len(goals)} scenes: {agree:.3f}")
