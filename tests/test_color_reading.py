"""Colour reading: the refer map's targets, the reader's logits, and decoding with it (D2F still equals AR)."""

from __future__ import annotations

import pytest
import torch
from _d2f_fixtures import scenes
from _model_fixtures import micro_config, synthetic_store

from lohovla.policies.lohovla.color_reading import ColorReader
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.loading import build_model, load_model, save_checkpoint
from lohovla.policies.lohovla.model import LoHoVLAModel, refer_targets
from lohovla.policies.lohovla.planner import decode, prefill
from lohovla.policies.lohovla.sequence import build_layout
from lohovla.training.add_refer_map import add_refer_map
from lohovla.training.batching import Collator

COLORS = ("red", "blue", "green", "orange", "purple")


def refer_model(scale: float = 40.0, seed: int = 0, refer: bool = True) -> LoHoVLAModel:
    cfg = micro_config()
    cfg.grounding.colors = COLORS
    cfg.text.refer_colors = COLORS if refer else ()
    torch.manual_seed(seed)
    model = build_model(cfg).eval()
    with torch.no_grad():
        model.backbone.lm.get_output_embeddings().weight.mul_(scale)
    return model


class PointAt:
    """A refer map that always points at cell (r, c)."""

    def __init__(self, hw: tuple[int, int], r: int, c: int) -> None:
        self.hw, self.r, self.c = hw, r, c

    def key(self, dense: torch.Tensor) -> torch.Tensor:
        return dense

    def __call__(self, dense: torch.Tensor, h: torch.Tensor, keys: torch.Tensor | None = None) -> torch.Tensor:
        out = torch.full((h.shape[0], *self.hw), -30.0)
        out[:, self.r, self.c] = 30.0
        return out


class FixedHead:
    """A text head with given logits for every state (the states' values are ignored)."""

    def __init__(self, logits: torch.Tensor) -> None:
        self.values = logits

    def logits(self, hidden: torch.Tensor, rows: object = None) -> torch.Tensor:
        return self.values.expand(*hidden.shape[:-1], -1).clone()


def _reader(model: LoHoVLAModel, logits: torch.Tensor, colour_at: dict[tuple[int, int], int]) -> ColorReader:
    dense = torch.randn(1, model.cfg.vision.dense_channels, 40, 20)
    probs = torch.zeros(1, len(COLORS), 160, 80)
    for (r, c), k in colour_at.items():
        probs[0, k, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4] = 0.9
    reader = ColorReader(model, lambda: dense, probs, lm_weight=0.0)  # the scene alone
    reader.backbone = FixedHead(logits)
    return reader


def test_the_colour_word_is_the_one_seen_where_the_model_points() -> None:
    model = refer_model()
    ids = model.refer_ids()
    vocab = model.codec.vocab_size
    logits = torch.zeros(vocab)
    logits[ids[0]] = 5.0  # the LM would write "red"
    reader = _reader(model, logits, {(10, 5): 3, (30, 15): 0})  # orange at (10, 5), red at (30, 15)
    reader.refer_map = PointAt((40, 20), 10, 5)
    out = reader.logits(torch.zeros(2, 7, 8))  # (N, L, H) states
    assert out.shape == (2, 7, vocab)
    assert int(out[0, 0].argmax()) == ids[3]  # orange: what the pointed cell shows
    others = [t for t in range(vocab) if t not in ids]
    assert torch.equal(out[..., others], logits[others].expand(2, 7, -1))  # other words untouched
    mass = torch.logsumexp(out[..., ids], -1)  # the LM's total colour probability is kept
    assert torch.allclose(mass, torch.logsumexp(logits[ids], -1).expand(2, 7), atol=1e-4)


def test_the_refer_maps_keys_are_computed_once_per_prompt_and_read_the_same() -> None:
    model = refer_model()
    refer = model.refer_map
    dense, h = torch.randn(1, model.cfg.vision.dense_channels, 40, 20), torch.randn(3, refer.query.in_features)
    rows = torch.zeros(3, dtype=torch.long)
    with torch.no_grad():
        assert torch.allclose(refer(dense[rows], h, refer.key(dense)[rows]), refer(dense[rows], h), atol=1e-5)
    calls = []
    refer.key.register_forward_hook(lambda *_: calls.append(1))
    logits = torch.zeros(model.codec.vocab_size)
    logits[model.refer_ids()[0]] = 5.0
    reader = _reader(model, logits, {(10, 5): 3})
    for _ in range(3):
        reader.logits(torch.randn(2, refer.query.in_features))
    assert len(calls) == 1


def test_no_colour_word_can_win_so_nothing_changes() -> None:
    model = refer_model()
    logits = torch.zeros(model.codec.vocab_size)
    logits[model.word_id("place")] = 20.0
    reader = _reader(model, logits, {(10, 5): 3})
    reader.refer_map = PointAt((40, 20), 10, 5)
    assert torch.equal(reader.logits(torch.zeros(3, 8)), logits.expand(3, -1))


def test_reading_needs_a_refer_map_and_a_detector() -> None:
    model = refer_model(refer=False)
    with pytest.raises(ValueError, match="refer map"):
        ColorReader(model, lambda: torch.zeros(1, 16, 40, 20), torch.zeros(1, len(COLORS), 160, 80), 1.0)


def test_refer_targets_point_the_pick_colour_at_the_pick_and_the_place_colour_at_the_place() -> None:
    model = refer_model()
    store = synthetic_store(8)
    batch = Collator(store, model.codec, True)(torch.arange(8).numpy())
    gen = torch.Generator().manual_seed(0)
    c = model.codec
    lay = build_layout(batch.goals, batch.subtasks, [1] * 8, 50, c.bos_id, c.eos_id, c.mask_id, c.pad_id, (1, 1), gen)
    rows, cols, xy = refer_targets(batch, lay, model.word_id("place"), model.refer_ids())
    with_action = [i for i in range(8) if batch.has_action[i]]
    assert sorted(set(rows.tolist())) == with_action  # captions (no action) give no target
    for i in with_action:  # "pick up the {c} block and place it in the {d} bowl.": two colour words
        mine = rows == i
        assert int(mine.sum()) == 2
        first, second = xy[mine][cols[mine].argsort()]
        assert torch.equal(first, batch.action[i, 0:2]) and torch.equal(second, batch.action[i, 4:6])


def test_the_refer_loss_trains_the_refer_map_only_when_configured() -> None:
    store = synthetic_store(8)
    for refer in (True, False):
        model = refer_model(refer=refer).train()
        batch = Collator(store, model.codec, True)(torch.arange(8).numpy())
        loss = model.training_losses(batch, torch.Generator().manual_seed(0))["refer"]
        if not refer:
            assert float(loss) == 0.0 and model.refer_map is None
            continue
        assert float(loss.detach()) > 0
        loss.backward()
        assert model.refer_map.query.weight.grad.abs().sum() > 0


@torch.no_grad()
@pytest.mark.parametrize("lm_weight", [0.0, 1.0])
def test_d2f_with_colour_reading_plans_ars_subtasks(lm_weight: float) -> None:
    model = refer_model(scale=80.0, seed=1)
    color, height, goals = scenes(model, 12, seed=2)
    ar = DecodeConfig(decoder="ar", max_tokens=10, refer_lm_weight=lm_weight)
    d2f = DecodeConfig(decoder="d2f", block_size=4, tau_conf=0.6, max_tokens=10, refer_lm_weight=lm_weight)
    got = {}
    for name, cfg in {"ar": ar, "d2f": d2f, "ar-off": ar.with_overrides(refer=False)}.items():
        prompt = prefill(model, color, height, goals, cfg)
        assert isinstance(prompt.cache.head, ColorReader) == cfg.refer
        got[name] = [r.tokens for r in decode(model, prompt, cfg)]
    assert got["d2f"] == got["ar"]
    if lm_weight == 0:  # the scene alone names the colour: this random model's own choices change
        assert got["ar"] != got["ar-off"]


def test_add_refer_map_keeps_every_other_weight(tmp_path) -> None:
    src = save_checkpoint(refer_model(refer=False), tmp_path / "src")
    out = add_refer_map(src, tmp_path / "out")
    old, new = load_model(src), load_model(out)
    assert new.cfg.text.refer_colors == COLORS and new.refer_map is not None
    for key, value in old.state_dict().items():
        assert torch.equal(value, new.state_dict()[key]), key
    with pytest.raises(ValueError, match="already has"):
        add_refer_map(out, tmp_path / "again")
