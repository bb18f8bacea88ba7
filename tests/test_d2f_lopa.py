"""LoPA-style look-ahead branches: still AR's sub-task, the cache left as after a plain verified decode."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, prefill, readout


@torch.no_grad()
def test_branches_keep_ar_output_and_a_readable_cache() -> None:
    model = sharp_model(80)
    color, height, goals = scenes(model, 6, seed=5)
    cfg = DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, max_tokens=10, branches=3)
    for i in range(6):
        one = (color[i : i + 1], height[i : i + 1], goals[i : i + 1])
        ar_prompt, lopa_prompt = prefill(model, *one), prefill(model, *one)
        ar = decode(model, ar_prompt, DecodeConfig(decoder="ar", max_tokens=10))
        got = decode(model, lopa_prompt, cfg)
        assert got[0].tokens == ar[0].tokens and got[0].fed == len(got[0].tokens)
        assert torch.allclose(readout(model, lopa_prompt, got), readout(model, ar_prompt, ar), atol=1e-4)
    with pytest.raises(ValueError):
        decode(model, prefill(model, color[:2], height[:2], goals[:2]), cfg)  # one scene at a time
    with pytest.raises(ValueError):
        DecodeConfig(decoder="d2f", verify=False, branches=2)
