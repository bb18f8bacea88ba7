"""A planning step computes only what planning reads: the same prompt, dense map and states as the full work."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import prefill

VERIFIED = DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, max_tokens=10, verify=True, prefill_blocks=2)


@pytest.fixture(scope="module")
def model():
    return sharp_model(80)


@pytest.fixture(scope="module")
def batch(model):
    return scenes(model, 6, seed=3)


@torch.no_grad()
def test_the_dense_map_is_made_on_first_use_and_equals_the_eager_one(model, batch, monkeypatch) -> None:
    color, height, goals = batch
    img, dense, emb = model.encode_image(color, height)
    made = []
    original = model.encoder.dense
    monkeypatch.setattr(model.encoder, "dense", lambda f4, f8: made.append(1) or original(f4, f8))
    prompt = prefill(model, color, height, goals, VERIFIED)
    assert made == []  # planning alone never makes it
    assert torch.equal(prompt.dense, dense) and prompt.dense is prompt.dense and made == [1]
    assert torch.equal(prompt.img, img) and not prompt.dense.requires_grad
    assert torch.equal(model.encode_image_lazy(color, height)[2], emb)
