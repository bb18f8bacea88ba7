"""The first block's drafts made in the prefill pass: same cache, same sub-tasks, one decoding pass saved."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, draft_width, prefill, readout

N = 12
PLAIN = DecodeConfig(
    decoder="d2f", block_size=4, tau_conf=0.6, tau_add=0.3, max_tokens=10, verify=False, prefill_blocks=1
)
VERIFIED = DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, max_tokens=10, verify=True, prefill_blocks=1)


@pytest.fixture(scope="module")
def model():
    return sharp_model(80)


@pytest.fixture(scope="module")
def batch(model):
    return scenes(model, N, seed=5)


def test_draft_width_follows_the_decoder() -> None:
    assert draft_width(PLAIN) == 4 and draft_width(VERIFIED.with_overrides(block_size=8)) == 8
    assert draft_width(DecodeConfig(decoder="d2f")) == 16  # default: two blocks of 8
    assert draft_width(DecodeConfig(decoder="ar")) == 0
    assert draft_width(VERIFIED.with_overrides(prefill_blocks=0)) == 0
    assert draft_width(VERIFIED.with_overrides(branches=3)) == 0  # look-ahead branches prefill plainly


@torch.no_grad()
def test_drafting_in_the_prefill_leaves_the_prompt_cache_unchanged(model, batch) -> None:
    color, height, goals = batch
    plain, drafted = prefill(model, color, height, goals), prefill(model, color, height, goals, VERIFIED)
    assert plain.drafts is None and drafted.drafts is not None
    assert drafted.drafts[0].shape == drafted.drafts[1].shape == (N, 4)
    assert drafted.lens == plain.lens and drafted.cache.length == plain.cache.length
    assert torch.equal(drafted.cache.block_ids, plain.cache.block_ids)
    torch.testing.assert_close(drafted.last, plain.last, atol=1e-5, rtol=0)
    for a, b in zip(drafted.cache.cache.layers, plain.cache.cache.layers):
        torch.testing.assert_close(a.keys, b.keys, atol=1e-5, rtol=0)
    mask = model.codec.mask_id
    assert not torch.isin(drafted.drafts[1], torch.tensor([mask, model.codec.pad_id, model.codec.bos_id])).any()


@torch.no_grad()
def test_plain_d2f_with_prefill_drafts_is_the_same_decode_one_pass_shorter(model, batch) -> None:
    """The prefill's [MASK] block is exactly D2F's first pass (same ids, positions and mask): nothing else moves."""
    color, height, goals = batch
    before = decode(model, prefill(model, color, height, goals), PLAIN)
    after = decode(model, prefill(model, color, height, goals, PLAIN), PLAIN)
    assert [r.tokens for r in after] == [r.tokens for r in before]
    assert [r.forwards for r in after] == [r.forwards - 1 for r in before]
    assert [r.fed for r in after] == [r.fed for r in before]


@torch.no_grad()
def test_verified_d2f_with_prefill_drafts_is_still_ar(model, batch) -> None:
    color, height, goals = batch
    ar_prompt = prefill(model, color, height, goals)
    ar = decode(model, ar_prompt, DecodeConfig(decoder="ar", max_tokens=10))
    prompt = prefill(model, color, height, goals, VERIFIED)
    got = decode(model, prompt, VERIFIED)
    old = decode(model, prefill(model, color, height, goals), VERIFIED)
    assert [r.tokens for r in got] == [r.tokens for r in ar]
    assert sum(r.forwards for r in got) <= sum(r.forwards for r in old)  # a random head's drafts rarely hold
    torch.testing.assert_close(readout(model, prompt, got), readout(model, ar_prompt, ar), atol=1e-4, rtol=0)


@torch.no_grad()
@pytest.mark.parametrize("blocks", [1, 2, 3])
@pytest.mark.parametrize("keep", [True, False])
def test_batched_prefill_drafts_equal_single_ones_and_ar(model, batch, blocks, keep) -> None:
    """Drafted blocks after the first (ids 5, 9: block-causal among themselves) and kept drafts: still AR."""
    color, height, goals = batch
    cfg = VERIFIED.with_overrides(prefill_blocks=blocks, keep_drafts=keep, tau_conf=0.0)
    ar = decode(model, prefill(model, color, height, goals), DecodeConfig(decoder="ar", max_tokens=10))
    together = decode(model, prefill(model, color, height, goals, cfg), cfg)
    assert [r.tokens for r in together] == [r.tokens for r in ar]
    for i in range(N):
        one = prefill(model, color[i : i + 1], height[i : i + 1], goals[i : i + 1], cfg)
        single = decode(model, one, cfg)[0]
        assert single.tokens == together[i].tokens and single.forwards == together[i].forwards, i


@torch.no_grad()
def test_later_draft_blocks_do_not_change_the_first_blocks_drafts(model, batch) -> None:
    """Block ids keep the first block blind to the second, as in training."""
    color, height, goals = batch
    one = prefill(model, color, height, goals, VERIFIED)
    two = prefill(model, color, height, goals, VERIFIED.with_overrides(prefill_blocks=2))
    torch.testing.assert_close(two.drafts[0][:, :4], one.drafts[0], atol=1e-5, rtol=0)
    assert torch.equal(two.drafts[1][:, :4], one.drafts[1])
