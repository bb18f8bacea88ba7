"""Block ids and block-causal masks: the one mask rule that D2F training and decoding share.

Every token carries an integer block id. Prompt tokens (image patches + goal) are block 0, sub-task block j is
block j + 1, the action readout tokens take the last sub-task block id + 1, and padding is -1. A query may attend a
key iff the key is valid (id >= 0) and ``block(key) <= block(query)``: bidirectional inside a block, causal across
blocks, and padding queries see nothing. Expressing the mask as ids (not a dense L x L matrix) lets the Triton
kernel rebuild it per tile, and lets decoding describe [cached KV | active blocks] with a few integers per token.
"""

from __future__ import annotations

import torch

Lengths = int | torch.Tensor

PAD_BLOCK = -1
PROMPT_BLOCK = 0


def _as_batch(x: Lengths, batch: int, device: torch.device | None) -> torch.Tensor:
    """Broadcast an int / 0-d / (B,) length to a (B,) long tensor so scalar and per-sample inputs share one path."""
    t = torch.as_tensor(x, dtype=torch.long, device=device)
    if t.ndim == 0:
        return t.expand(batch)
    if t.shape != (batch,):
        raise ValueError(f"expected a scalar or shape ({batch},), got {tuple(t.shape)}")
    return t


def block_ids_for_training(
    prompt_len: Lengths,
    subtask_len: Lengths,
    block_size: Lengths,
    readout_len: Lengths,
    total_len: int | None = None,
) -> torch.Tensor:
    """Block ids for one training sequence [prompt][sub-task blocks][readout][padding].

    Scalars give a (total_len,) tensor; any (B,) tensor argument gives a batched (B, total_len) tensor with
    per-sample lengths and block sizes (D2F draws the block size per sample), right-padded with -1. Block size 1
    makes the sub-task plain autoregressive, so one model trains both decoders. ``total_len`` defaults to the
    longest sample.
    """
    args = (prompt_len, subtask_len, block_size, readout_len)
    tensors = [x for x in args if isinstance(x, torch.Tensor)]
    batched = any(x.ndim > 0 for x in tensors)
    device = tensors[0].device if tensors else None
    batch = max((x.shape[0] for x in tensors if x.ndim > 0), default=1)
    p, s, bs, r = (_as_batch(x, batch, device) for x in args)
    if (bs < 1).any() or (p < 0).any() or (s < 0).any() or (r < 0).any():
        raise ValueError("lengths must be >= 0 and block_size >= 1")
    used = p + s + r
    if total_len is None:
        total_len = int(used.max())
    if (used > total_len).any():
        raise ValueError(f"sequence of length {int(used.max())} does not fit total_len={total_len}")

    pos = torch.arange(total_len, device=device).expand(batch, total_len)
    p_, s_, bs_, r_ = (t[:, None] for t in (p, s, bs, r))
    n_blocks = (s_ + bs_ - 1) // bs_  # ceil: a short last block is still its own block
    sub_ids = 1 + (pos - p_).clamp(min=0) // bs_
    ids = torch.full_like(pos, PAD_BLOCK)
    ids = torch.where(pos < p_, PROMPT_BLOCK, ids)
    ids = torch.where((pos >= p_) & (pos < p_ + s_), sub_ids, ids)
    ids = torch.where((pos >= p_ + s_) & (pos < p_ + s_ + r_), n_blocks + 1, ids)
    return ids if batched else ids[0]


def block_causal_mask(q_block: torch.Tensor, k_block: torch.Tensor) -> torch.Tensor:
    """Bool mask (B, 1, Lq, Lk), True = may attend, from (B, Lq) / (B, Lk) ids (1-D ids mean batch 1).

    The head axis is 1 so the same mask broadcasts over all heads in SDPA and in transformers' 4D mask slot.
    """
    q_block = q_block if q_block.ndim == 2 else q_block[None]
    k_block = k_block if k_block.ndim == 2 else k_block[None]
    qb, kb = q_block[:, :, None], k_block[:, None, :]
    return ((kb >= 0) & (kb <= qb))[:, None]


def additive_mask(bool_mask: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """0 where allowed and ``finfo(dtype).min`` elsewhere: the float 4D mask eager attention and SDPA add to scores.

    dtype min (not -inf) keeps fully masked rows finite, as transformers does for its own masks.
    """
    zero = torch.zeros((), dtype=dtype, device=bool_mask.device)
    return torch.where(bool_mask, zero, torch.finfo(dtype).min)


def block_ids_for_decoding(
    cache_block_ids: torch.Tensor, active_block_ids: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(q_block, k_block) for one D2F step over [cached KV | active blocks].

    Queries are the active tokens only; keys are the cache followed by the same active tokens, matching the order in
    which a KV cache's ``update`` appends new keys. Cache slots that hold padding (batched prompts of different
    lengths) should carry -1 so they are never attended. Accepts 1-D (batch 1) or (B, L) ids.
    """
    cache = cache_block_ids if cache_block_ids.ndim == 2 else cache_block_ids[None]
    active = active_block_ids if active_block_ids.ndim == 2 else active_block_ids[None]
    batch = max(cache.shape[0], active.shape[0])
    if {cache.shape[0], active.shape[0]} - {1, batch}:
        raise ValueError("cache and active block ids must share the batch size (or one of them be 1)")
    cache, active = cache.expand(batch, -1), active.to(cache.device).expand(batch, -1)
    return active, torch.cat([cache, active], dim=1)
