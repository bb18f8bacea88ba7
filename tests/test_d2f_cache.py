"""KV-cache correctness of decoding: every cached D2F pass equals one uncached pass over the same sequence.

Run on a random micro model with a sharpened text head (several tokens per pass), a batch of prompts of
different lengths (padding slots inside the cache), both commit modes; plus the cache's crop/keep and the readout
the action head reads after either decoder.
"""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.kernels.masks import block_causal_mask, block_ids_for_training
from lohovla.policies.lohovla import d2f_decoder
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.cache_rows import put_rows, take_rows
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.planner import decode, prefill, readout
from lohovla.policies.lohovla.sequence import build_layout


@pytest.fixture(scope="module")
def model():
    return sharp_model(80)


class Recorder(BlockCache):
    """A BlockCache that remembers what every pass fed and returned."""

    def adopt(self, other: BlockCache) -> Recorder:
        self.cache, self.block_ids, self.length, self.passes = other.cache, other.block_ids, other.length, []
        return self

    def run(self, embeds, block_ids, commit=True, positions=None, keep=None):
        hidden = super().run(embeds, block_ids, commit, positions, keep)
        self.passes.append((embeds, block_ids, positions, keep, hidden))
        return hidden


@torch.no_grad()
@pytest.mark.parametrize("commit,verify", [("ar", False), ("block", False), ("ar", True)])
def test_every_cached_d2f_pass_equals_an_uncached_pass(model, commit, verify) -> None:
    color, height, goals = scenes(model, 3, seed=1)
    prompt = prefill(model, color, height, goals)
    rec = Recorder(model.backbone).adopt(prompt.cache)
    cfg = DecodeConfig(
        decoder="d2f", block_size=4, tau_conf=0.6, tau_add=0.5, max_tokens=14, commit=commit, verify=verify
    )
    results = d2f_decoder.d2f_decode(
        model.backbone, rec, prompt.lens, cfg, d2f_decoder.TokenIds(4, 3, 0, (0, 2, 4)), 14, prompt.last
    )
    assert any(r.fed > 0 for r in results) and max(r.forwards for r in results) >= 3
    _, _, img = model.encode_image(color, height)
    committed = [[] for _ in goals]  # per row: (embedding, position, id) of every cached sub-task token
    slot = prompt.cache.block_ids.shape[1]  # cache column of the next committed token
    final_ids = rec.block_ids  # verification marks rejected commits -1 after their pass
    for emb, ids, pos, keep, hidden in rec.passes:
        for i, g in enumerate(goals):
            valid = (ids[i] >= 0).nonzero()[:, 0].tolist()
            if not valid:
                continue
            pre = torch.cat([img[i : i + 1], model.text_embeds(torch.tensor([[*g, model.codec.bos_id]]))], 1)
            n = pre.shape[1]
            cached = committed[i]
            seq = torch.cat([pre, *(e[None, None] for e, _, _ in cached), emb[i : i + 1, valid]], 1)
            full_pos = torch.cat([torch.arange(n), torch.tensor([p for _, p, _ in cached]), pos[i, valid]])
            full_ids = torch.cat([torch.zeros(n, dtype=torch.long), torch.tensor([b for _, _, b in cached]).long()])
            full_ids = torch.cat([full_ids, ids[i, valid]])
            want = model.backbone(seq, full_pos[None], full_ids[None])[0, -len(valid) :]
            assert torch.allclose(hidden[i, valid], want, atol=1e-4), (i, len(rec.passes))
            if commit == "block":  # the mask is the training mask of block size 4 over this sequence
                sub = len(full_ids) - n
                train = block_ids_for_training(n, sub, 4, 0)
                assert torch.equal(block_causal_mask(full_ids, full_ids), block_causal_mask(train, train))
            committed[i] += [(emb[i, c], pos[i, c], ids[i, c]) for c in range(keep) if final_ids[i, slot + c] >= 0]
        slot += keep


@torch.no_grad()
def test_block_cache_drops_uncommitted_tokens(model) -> None:
    color, height, goals = scenes(model, 1)
    prompt = prefill(model, color, height, goals)
    cache, n = prompt.cache, prompt.cache.length
    emb = model.backbone.embed(torch.tensor([[20, 21, 22]]))
    first = cache.run(emb, torch.tensor([1, 1, 1]), commit=False)
    assert cache.length == n and cache.cache.get_seq_length() == n and cache.block_ids.shape[1] == n
    again = cache.run(emb, torch.tensor([1, 1, 1]), keep=2)
    assert torch.allclose(first, again, atol=1e-6)
    assert cache.length == n + 2 and cache.cache.get_seq_length() == n + 2 and cache.block_ids.shape[1] == n + 2


@torch.no_grad()
@pytest.mark.parametrize("decoder,verify", [("ar", False), ("d2f", False), ("d2f", True)])
def test_readout_after_decoding_equals_the_training_layout(model, decoder, verify) -> None:
    """After either decoder the action head's readout state is the one training computes (block size 1)."""
    color, height, goals = scenes(model, 3, seed=2)
    prompt = prefill(model, color, height, goals)
    cfg = DecodeConfig(decoder=decoder, block_size=4, tau_conf=0.6, max_tokens=12, verify=verify)
    results = decode(model, prompt, cfg)
    h = readout(model, prompt, results)
    _, _, img = model.encode_image(color, height)
    c = model.codec
    special = (c.bos_id, c.eos_id, c.mask_id, c.pad_id)
    for i, (g, r) in enumerate(zip(goals, results)):
        lay = build_layout([g], [r.tokens], [1], img.shape[1], *special, (0.2, 0.7), None)
        text = model.text_embeds(lay.ids, lay.readout - img.shape[1])
        full = model.backbone(torch.cat([img[i : i + 1], text], 1), lay.positions, lay.block_ids)
        assert torch.allclose(h[i], full[0, int(lay.readout[0])], atol=1e-4), (decoder, i)


@torch.no_grad()
def test_compacted_rows_give_back_the_same_cache(model) -> None:
    """Passes over a subset of rows, merged back, equal the same passes over the padded full batch."""
    color, height, goals = scenes(model, 4, seed=4)
    a, b = prefill(model, color, height, goals), prefill(model, color, height, goals)
    rows, emb = [1, 3], model.backbone.embed(torch.tensor([[20, 21, 22], [23, 24, 25]]))
    pos = torch.tensor(a.lens)[rows, None] + torch.arange(3)
    sub = take_rows(a.cache, rows)
    got = sub.run(emb, torch.tensor([[1, 2, 3]] * 2), positions=pos, keep=2)
    put_rows(a.cache, sub, rows)
    ids = torch.full((4, 3), -1)
    ids[rows] = torch.tensor([1, 2, 3])
    full_emb, full_pos = torch.zeros(4, 3, emb.shape[-1]), torch.zeros(4, 3, dtype=torch.long)
    full_emb[rows], full_pos[rows] = emb, pos
    want = b.cache.run(full_emb, ids, positions=full_pos, keep=2)
    assert torch.allclose(got, want[rows], atol=1e-5)
    assert torch.equal(a.cache.block_ids, b.cache.block_ids) and a.cache.length == b.cache.length
    for la, lb in zip(a.cache.cache.layers, b.cache.cache.layers):
        assert torch.allclose(la.keys[rows], lb.keys[rows], atol=1e-5)
    results = decode(model, a, DecodeConfig(decoder="ar", max_tokens=6))  # the merged cache decodes on
    assert [r.tokens for r in results] == [r.tokens for r in decode(model, b, DecodeConfig(decoder="ar", max_tokens=6))]
