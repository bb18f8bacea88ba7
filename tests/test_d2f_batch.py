"""Batched planning gives every row what a single decode of that row gives (AR and D2F), and AR is unchanged."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, prefill, readout

N = 32


@pytest.fixture(scope="module")
def model():
    return sharp_model(80)


@pytest.fixture(scope="module")
def batch(model):
    return scenes(model, N, seed=3)


def _single(model, batch, i, cfg):
    color, height, goals = batch
    prompt = prefill(model, color[i : i + 1], height[i : i + 1], goals[i : i + 1])
    res = decode(model, prompt, cfg)
    return res[0], readout(model, prompt, res)[0]


@torch.no_grad()
@pytest.mark.parametrize(
    "cfg",
    [
        DecodeConfig(decoder="ar", max_tokens=10),
        DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, tau_add=0.3, max_tokens=10, verify=False),
        DecodeConfig(decoder="d2f", block_size=8, tau_conf=0.9, tau_act=0.5, max_tokens=10, first="ar", verify=False),
        DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, max_tokens=10, verify=True),
    ],
    ids=["ar", "d2f-4", "d2f-8-first-ar", "d2f-verify"],
)
def test_batch_of_32_equals_32_single_decodes(model, batch, cfg) -> None:
    color, height, goals = batch
    prompt = prefill(model, color, height, goals)
    results = decode(model, prompt, cfg)
    states = readout(model, prompt, results)
    assert len({len(g) for g in goals}) > 4  # prompts of many lengths: padding inside the batch cache
    if cfg.decoder == "d2f":
        assert len({r.forwards for r in results}) > 1  # rows finish at different passes
    if cfg.verify:  # verified D2F is AR's sub-task, whatever the drafts were
        ar = decode(model, prefill(model, color, height, goals), DecodeConfig(decoder="ar", max_tokens=10))
        assert [r.tokens for r in results] == [r.tokens for r in ar]
    for i in range(N):
        one, state = _single(model, batch, i, cfg)
        assert results[i].tokens == one.tokens and results[i].forwards == one.forwards, i
        assert results[i].fed == one.fed and results[i].decoded == one.decoded
        assert torch.allclose(states[i], state, atol=1e-4), i


@torch.no_grad()
def test_batched_ar_equals_the_original_greedy_decoder(model, batch) -> None:
    color, height, goals = batch
    prompt = prefill(model, color[:6], height[:6], goals[:6])
    results = decode(model, prompt, DecodeConfig(decoder="ar", max_tokens=10))
    for i in range(6):
        one = prefill(model, color[i : i + 1], height[i : i + 1], goals[i : i + 1])
        tokens = greedy_decode(model.backbone, one.cache, one.last, model.codec.eos_id, 10)
        assert tokens == results[i].tokens
        assert one.cache.length - one.lens[0] == results[i].fed == results[i].forwards
