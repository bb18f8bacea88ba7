"""Batched planning: prefill B prompts of different lengths, decode their sub-tasks (AR or D2F), read out.

What a policy server or a many-worker evaluation calls to plan for many scenes in one set of forward passes.
Prompts are right-padded with block id -1, every row keeps its own positions, so row i's results equal a
single-row decode of scene i. For D2F the prefill pass also carries the first blocks as [MASK]s (D2F's block
ids, KV dropped): their in-place predictions are the first drafts, so decoding starts by verifying them instead of
spending a pass on making them (`draft_width`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch

from lohovla.policies.lohovla.ar_batch import greedy_decode_batch
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.cache_rows import drop_holes
from lohovla.policies.lohovla.color_reading import ColorReader
from lohovla.policies.lohovla.d2f_decoder import DecodeResult, TokenIds, d2f_decode, predict
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.lopa import lopa_decode
from lohovla.policies.lohovla.model import LoHoVLAModel


@dataclass
class Prompt:
    """A prefilled batch: images, dense maps, the cache holding [image][goal][BOS] per row and their last states
    (the detector's maps are the scene reading's: scene_reading.py)."""

    img: torch.Tensor
    make_dense: Callable[[], torch.Tensor]  # the dense maps, made on first use of `dense` (planning needs none)
    cache: BlockCache
    last: torch.Tensor  # (B, H)
    lens: list[int]
    drafts: tuple[torch.Tensor, torch.Tensor] | None = None  # (B, W) top prob and token of the first W positions
    maps: tuple[torch.Tensor, torch.Tensor] | None = None  # the detector's maps, when colour reading read them

    @functools.cached_property
    def dense(self) -> torch.Tensor:
        """The dense maps (B, C, H/4, W/4) the action path reads; the encoder's tensor, made once, without grad."""
        with torch.no_grad():
            return self.make_dense()


def draft_width(cfg: DecodeConfig) -> int:
    """[MASK]s the prefill carries for this decoder: D2F's first `prefill_blocks` blocks (0 for AR and LoPA)."""
    return cfg.block_size * cfg.prefill_blocks if cfg.decoder == "d2f" and cfg.branches == 1 else 0


@torch.no_grad()
def prefill(
    model: LoHoVLAModel,
    color: torch.Tensor,
    height: torch.Tensor,
    goals: list[list[int]],
    cfg: DecodeConfig | None = None,
) -> Prompt:
    """color (B, 160, 80, 3) uint8 and height (B, 160, 80) at half resolution; goals without BOS.

    A planning prefill (`cfg` given) of a model with a refer map and a fitted detector reads colour words off the
    scene (`cfg.refer`): the cache's text head becomes a ColorReader (color_reading.py), and `Prompt.maps` keeps the
    detector's maps for the grounding checks.

    With a D2F `cfg`, `draft_width(cfg)` [MASK]s follow each row's BOS in the same pass (blocks of
    `cfg.block_size` with D2F's ids: a block starting at sub-task position s has id s + 1; positions right after the
    row's prompt; KV not kept) and their predictions come back as `Prompt.drafts`; the cache is the same.
    """
    draft = draft_width(cfg) if cfg is not None else 0
    img, dense, img_emb = model.encode_image_lazy(color, height)
    dev, n_img, b = img_emb.device, img_emb.shape[1], img_emb.shape[0]
    width = max(len(g) for g in goals) + 1
    ids = torch.full((b, width + draft), model.codec.pad_id, dtype=torch.long)
    bids = torch.full((b, n_img + width + draft), -1, dtype=torch.long)
    pos = torch.arange(n_img + width + draft)[None].repeat(b, 1)
    lens = []
    for i, g in enumerate(goals):
        ids[i, : len(g) + 1] = torch.tensor([*g, model.codec.bos_id])
        bids[i, : n_img + len(g) + 1] = 0
        lens.append(n_img + len(g) + 1)
    if draft:
        ids[:, width:] = model.codec.mask_id
        pos[:, n_img + width :] = torch.arange(draft) + torch.tensor(lens)[:, None]
        bids[:, n_img + width :] = torch.arange(draft) // cfg.block_size * cfg.block_size + 1
    emb = torch.cat([img_emb, model.text_embeds(ids.to(dev))], 1)
    cache = BlockCache(model.backbone, batch=b, device=dev)
    maps = None
    if cfg is not None and cfg.refer and model.refer_map is not None and model.presence is not None:
        dense = functools.cache(dense)  # made once, for the reader and the action path alike
        maps = model.presence.pixel_maps(color.to(dev), height.to(dev))
        cache.head = ColorReader(model, dense, maps[0], cfg.refer_lm_weight)
    first = min(lens) - 1  # nothing before the shortest prompt's BOS is read
    hidden = cache.run(emb, bids.to(dev), positions=pos.to(dev), keep=n_img + width, read_from=first)
    last = hidden[torch.arange(b, device=dev), torch.tensor(lens, device=dev) - 1 - first]
    drafts = predict(cache.head, hidden[:, n_img + width - first :], token_ids(model)) if draft else None
    return Prompt(img, dense, cache, last, lens, drafts, maps)


def pixel_maps(
    model: LoHoVLAModel, color: torch.Tensor, height: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The detector's eroded colour probabilities and per-pixel classes (ColorPresence.pixel_maps); None without."""
    if model.presence is None:
        return None
    dev = model.readout.device
    return model.presence.pixel_maps(color.to(dev), height.to(dev))


def token_ids(model: LoHoVLAModel) -> TokenIds:
    c = model.codec
    return TokenIds(mask=c.mask_id, eos=c.eos_id, pad=c.pad_id, banned=(c.pad_id, c.bos_id, c.mask_id))


@torch.no_grad()
def decode(model: LoHoVLAModel, prompt: Prompt, cfg: DecodeConfig) -> list[DecodeResult]:
    """Sub-tasks of every row with the configured decoder; the cache then holds [prompt | fed tokens] per row."""
    max_tokens = cfg.max_tokens or model.cfg.text.max_subtask_tokens
    ids = token_ids(model)
    if cfg.decoder == "d2f" and cfg.branches > 1:
        if len(prompt.lens) != 1:
            raise ValueError("look-ahead branches decode one scene at a time (branches=1 for batches)")
        return [lopa_decode(prompt.cache.head, prompt.cache, prompt.lens[0], cfg, ids, max_tokens, prompt.last)]
    head = prompt.cache.head  # the backbone, or its colour-reading stand-in
    if cfg.decoder == "d2f":
        return d2f_decode(head, prompt.cache, prompt.lens, cfg, ids, max_tokens, prompt.last, prompt.drafts)
    return greedy_decode_batch(head, prompt.cache, prompt.last, prompt.lens, ids.eos, ids.pad, max_tokens)


def d2f_plan(
    model: LoHoVLAModel,
    cache: BlockCache,
    last: torch.Tensor,
    cfg: DecodeConfig,
    drafts: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> DecodeResult:
    """D2F for one prefilled prompt (the policy's cache: [image][goal][BOS] in its first `cache.length` slots).

    Afterwards the cache holds [prompt | the first `fed` sub-task tokens] in consecutive slots, as after AR.
    """
    max_tokens = cfg.max_tokens or model.cfg.text.max_subtask_tokens
    if cfg.branches > 1:
        res = lopa_decode(cache.head, cache, cache.length, cfg, token_ids(model), max_tokens, last)
    else:
        ids = token_ids(model)
        res = d2f_decode(cache.head, cache, [cache.length], cfg, ids, max_tokens, last, drafts)[0]
    drop_holes(cache)  # the policy counts fed tokens by the cache length and reads out at the next slots
    return res


@torch.no_grad()
def readout(model: LoHoVLAModel, prompt: Prompt, results: list[DecodeResult]) -> torch.Tensor:
    """Readout states (B, H) after each row's sub-task: feeds [unfed tokens, EOS, readout] as AR blocks.

    Reuses the cache (prompt + fed tokens); the ids match the training layout of block size 1.
    """
    c, dev = model.codec, prompt.last.device
    rests = [[*r.tokens[r.fed :], c.eos_id, c.pad_id] for r in results]
    width = max(len(x) for x in rests)
    ids = torch.full((len(rests), width), c.pad_id, dtype=torch.long)
    bids = torch.full((len(rests), width), -1, dtype=torch.long)
    pos = torch.zeros((len(rests), width), dtype=torch.long)
    for i, (r, rest) in enumerate(zip(results, rests)):
        ids[i, : len(rest)] = torch.tensor(rest)
        bids[i, : len(rest)] = torch.arange(r.fed + 1, r.fed + 1 + len(rest))
        pos[i, : len(rest)] = torch.arange(len(rest)) + prompt.lens[i] + r.fed
    slots = torch.tensor([len(x) - 1 for x in rests], device=dev)
    emb = model.text_embeds(ids.to(dev), slots)
    hidden = prompt.cache.run(emb, bids.to(dev), positions=pos.to(dev))
    return hidden[torch.arange(len(rests), device=dev), slots]
