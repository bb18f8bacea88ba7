"""A planning step computes only what planning reads: the same prompt, dense map and states as the full work."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model
from _model_fixtures import micro_config

from lohovla.policies.lohovla import backbone, last_rows
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.last_rows import MAX_QUERIES, MIN_ROWS, QUERY_BLOCK, suffix_start
from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.planner import prefill

KNOWN = last_rows.KNOWN_LAYERS
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


@pytest.mark.parametrize("length", [3, 40, 64, 65, 66, 67, 68, 77, 93, 99, 191, 192])
@pytest.mark.parametrize("need", [1, 5, 17])
def test_the_last_layer_starts_where_the_full_pass_rounds_alike(length: int, need: int) -> None:
    first = max(0, length - need)
    start = suffix_start(first, length)
    n, tail = length - start, length % QUERY_BLOCK
    assert 0 <= start <= first  # every row read is computed
    if length >= MAX_QUERIES:
        assert start == 0
    elif start:
        assert n >= MIN_ROWS  # no small-product kernel the full pass did not use ...
        if 0 < tail < MIN_ROWS:  # ... and its small last query block where the full pass has one
            assert n % QUERY_BLOCK == tail
        else:
            assert not 0 < n % QUERY_BLOCK < MIN_ROWS


def _pass(model, shortcut: bool, monkeypatch) -> tuple[torch.Tensor, BlockCache]:
    """(states read from row 57 on, cache) of a prompt-like pass over a batch of two, with or without the shortcut."""
    monkeypatch.setattr(last_rows, "KNOWN_LAYERS", KNOWN if shortcut else ())
    g = torch.Generator().manual_seed(1)
    embeds = torch.randn(2, 70, model.backbone.hidden_size, generator=g)
    ids = torch.zeros(2, 70, dtype=torch.long)
    ids[1, 60:] = -1  # a shorter row of the batch: padding slots
    cache = BlockCache(model.backbone, batch=2)
    return cache.run(embeds, ids, keep=66, read_from=57), cache


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@torch.no_grad()
def test_the_shortcut_pass_gives_the_full_pass_states_and_cache(arch: str, monkeypatch) -> None:
    cfg = micro_config()
    cfg.backbone.arch = arch
    torch.manual_seed(0)
    model = build_model(cfg).eval()
    assert last_rows.supported(model.backbone.lm) and suffix_start(57, 70) > 0  # the shortcut is taken
    full, full_cache = _pass(model, False, monkeypatch)
    short, short_cache = _pass(model, True, monkeypatch)
    assert short.shape == full.shape == (2, 13, cfg.backbone.hidden_size)
    torch.testing.assert_close(short, full, atol=1e-6, rtol=0)
    assert short_cache.length == full_cache.length == 66
    for a, b in zip(short_cache.cache.layers, full_cache.cache.layers):
        assert torch.equal(a.keys, b.keys) and torch.equal(a.values, b.values)
    assert torch.equal(short_cache.block_ids, full_cache.block_ids)


@torch.no_grad()
def test_an_unknown_layer_type_runs_the_whole_pass(model, monkeypatch) -> None:
    def never(*args):
        raise AssertionError("the shortcut ran on a layer type it does not know")

    monkeypatch.setattr(backbone, "run_from", never)
    states, cache = _pass(model, False, monkeypatch)
    assert not last_rows.supported(model.backbone.lm)
    assert states.shape == (2, 13, model.backbone.hidden_size) and cache.length == 66


@torch.no_grad()
def test_the_prefill_reads_the_same_prompt_with_or_without_the_shortcut(model, batch, monkeypatch) -> None:
    color, height, goals = batch
    fast = prefill(model, color, height, goals, VERIFIED)
    monkeypatch.setattr(last_rows, "KNOWN_LAYERS", ())
    slow = prefill(model, color, height, goals, VERIFIED)
    torch.testing.assert_close(fast.last, slow.last, atol=1e-6, rtol=0)
    for a, b in zip(fast.drafts, slow.drafts):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    assert fast.lens == slow.lens and torch.equal(fast.cache.block_ids, slow.cache.block_ids)
