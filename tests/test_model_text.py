"""Sub-task text: tokenizer, D2F / AR training layout, and AR decoding with a KV cache."""

from __future__ import annotations

import itertools

import pytest
import torch
from _model_fixtures import micro_config

from lohovla.kernels.masks import block_ids_for_training
from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.sequence import build_layout, mask_ratios
from lohovla.policies.lohovla.tokenizer import COLORS, TextCodec, build_tokenizer

SENTENCES = [
    "pick up the red block and place it in the top left area.",
    "pick up the smaller orange block and place it on the bigger orange block.",
    "put the blocks of an even number in the zone with the matching color.",
    "white bowl, pink block, purple zone.",
]


def test_tokenizer_round_trip_and_fixed_vocabulary() -> None:
    codec = TextCodec(build_tokenizer())
    for s in SENTENCES:
        ids = codec.encode(s)
        assert codec.unk_id not in ids
        assert codec.decode(ids) == s
    assert (codec.pad_id, codec.unk_id, codec.bos_id, codec.eos_id, codec.mask_id) == (0, 1, 2, 3, 4)
    for color in COLORS:  # eval colours exist whatever the training data held
        assert codec.tokenizer.token_to_id(color) is not None
    assert codec.decode([*codec.encode("red block."), codec.eos_id, codec.encode("blue")[0]]) == "red block."


def test_tokenizer_json_round_trip(tmp_path) -> None:
    codec = TextCodec(build_tokenizer(["stack the tower by its colour."]))
    codec.save(tmp_path / "tokenizer.json")
    again = TextCodec.load(tmp_path / "tokenizer.json")
    assert again.encode("stack the tower by its colour.") == codec.encode("stack the tower by its colour.")


def test_mask_ratios_rise_monotonically() -> None:
    gen = torch.Generator().manual_seed(0)
    for n in (1, 2, 5):
        for _ in range(20):
            r = mask_ratios(n, (0.2, 0.7), gen)
            assert 0.2 <= r[0] <= 0.7 and all(b >= a for a, b in itertools.pairwise(r)) and r[-1] <= 1.0 + 1e-9


def test_layout_ar_targets_are_shifted_and_d2f_targets_masked() -> None:
    gen = torch.Generator().manual_seed(0)
    goal, sub = [10, 11, 12], [20, 21, 22, 23, 24, 25, 26]
    lay = build_layout(
        [goal, goal, goal], [sub, sub, None], [1, 4, 1], 5, bos=2, eos=3, mask=4, pad=0, first_ratio=(0.2, 0.7), gen=gen
    )
    prompt = 5 + 3 + 1
    # sample 0, AR: the position before each sub-task token (and before EOS) predicts it
    r0 = lay.rows == 0
    assert lay.cols[r0].tolist() == list(range(prompt - 1, prompt + len(sub)))
    assert lay.targets[r0].tolist() == [*sub, 3]
    assert lay.ids[0, 4 : 4 + len(sub)].tolist() == sub and bool(lay.clean[0])
    # sample 1, D2F: targets sit on [MASK] inputs, at least one per block, weights = block share
    r1 = lay.rows == 1
    text_pos = lay.cols[r1] - 5
    assert (lay.ids[1, text_pos] == 4).all() and not bool(lay.clean[1])
    assert lay.targets[r1].tolist() == [[*sub, 3][p - 4] for p in text_pos.tolist()]
    blocks = {(p - 4) // 4 for p in text_pos.tolist()}
    assert blocks == {0, 1}
    # sample 2, vanilla: no text, readout right after BOS
    assert not bool(lay.has_text[2]) and int(lay.readout[2]) == prompt
    want = block_ids_for_training(prompt, len(sub) + 1, 4, 1, total_len=lay.block_ids.shape[1])
    assert torch.equal(lay.block_ids[1], want)
    assert int(lay.readout[0]) == prompt + len(sub) + 1


def test_pad_blocks_fills_d2f_blocks_with_eos_and_leaves_ar_alone() -> None:
    """With pad_blocks a D2F sample's last block is full (EOS after the end), so the [MASK] count in a block says
    nothing about the sub-task's length; AR samples keep their exact layout (they feed the action loss)."""
    goal, sub = [10, 11, 12], [20, 21, 22, 23, 24, 25, 26, 27, 28]  # 9 tokens + EOS: 2 blocks of 8, 6 padded
    args = dict(bos=2, eos=3, mask=4, pad=0, first_ratio=(1.0, 1.0))
    plain = build_layout([goal, goal], [sub, sub], [8, 1], 5, gen=torch.Generator().manual_seed(0), **args)
    padded = build_layout(
        [goal, goal], [sub, sub], [8, 1], 5, gen=torch.Generator().manual_seed(0), pad_blocks=True, **args
    )
    prompt = 5 + 3 + 1
    r0 = padded.rows == 0
    assert sorted(padded.sub_pos[r0].tolist()) == list(range(16))  # every position of both blocks is masked
    by_pos = dict(zip(padded.sub_pos[r0].tolist(), padded.targets[r0].tolist()))
    assert [by_pos[p] for p in range(16)] == [*sub, *[3] * 7]
    assert abs(float(padded.weights[r0].sum()) - 1.0) < 1e-6
    ids0 = padded.block_ids[0, prompt : prompt + 16].tolist()
    assert ids0 == [1] * 8 + [2] * 8 and int(padded.readout[0]) == prompt + 16
    assert int(plain.readout[0]) == prompt + len(sub) + 1  # unpadded: the second block holds 2 positions
    for key in ("rows", "cols", "targets", "weights"):  # the AR sample is unchanged
        a, b = getattr(plain, key)[plain.rows == 1], getattr(padded, key)[padded.rows == 1]
        assert torch.equal(a, b)
    assert int(padded.readout[1]) == int(plain.readout[1]) == prompt + len(sub) + 1


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return build_model(micro_config()).eval()


def _prompt(model, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    color = torch.randint(0, 256, (1, 160, 80, 3), generator=g, dtype=torch.uint8)
    height = torch.rand(1, 160, 80, generator=g) * 0.05
    _, _, img = model.encode_image(color, height)
    goal = model.codec.encode("put the blocks in the bowls with matching colors.") + [model.codec.bos_id]
    return img, goal


@torch.no_grad()
def test_ar_decoding_with_cache_equals_teacher_forced_argmax(model) -> None:
    for seed in range(3):
        img, goal = _prompt(model, seed)
        prompt = torch.cat([img, model.text_embeds(torch.tensor([goal]))], 1)
        cache = BlockCache(model.backbone)
        last = cache.run(prompt, torch.zeros(prompt.shape[1], dtype=torch.long))[:, -1]
        tokens = greedy_decode(model.backbone, cache, last, model.codec.eos_id, 12)
        assert len(tokens) >= 1
        # one teacher-forced pass under the training mask with block size 1
        seq = torch.tensor([[*goal, *tokens]])
        ids = block_ids_for_training(prompt.shape[1], len(tokens), 1, 0)
        emb = torch.cat([img, model.text_embeds(seq)], 1)
        hidden = model.backbone(emb, torch.arange(emb.shape[1])[None], ids[None])
        pred = model.backbone.logits(hidden[0, prompt.shape[1] - 1 :]).argmax(-1).tolist()
        assert pred[: len(tokens)] == tokens
        if len(tokens) < 12:
            assert pred[len(tokens)] == model.codec.eos_id


@torch.no_grad()
def test_cached_readout_equals_training_layout_readout(model) -> None:
    img, goal = _prompt(model, 5)
    sub = model.codec.encode("pick up the red block and place it in the red bowl.")
    c = model.codec
    lay = build_layout(
        [goal[:-1]], [sub], [1], img.shape[1], c.bos_id, c.eos_id, c.mask_id, c.pad_id, (0.2, 0.7), torch.Generator()
    )
    text = model.text_embeds(lay.ids, lay.readout - img.shape[1])
    full = model.backbone(torch.cat([img, text], 1), lay.positions, lay.block_ids)[0, int(lay.readout[0])]
    cache = BlockCache(model.backbone)
    cache.run(
        torch.cat([img, model.text_embeds(torch.tensor([goal]))], 1),
        torch.zeros(img.shape[1] + len(goal), dtype=torch.long),
    )
    cache.run(model.text_embeds(torch.tensor([sub[:5]])), torch.arange(1, 6))
    rest = torch.tensor([[*sub[5:], c.eos_id, c.pad_id]])
    h = cache.run(model.text_embeds(rest, torch.tensor([rest.shape[1] - 1])), torch.arange(6, len(sub) + 3))
    assert torch.allclose(h[0, -1], full, atol=1e-5)
