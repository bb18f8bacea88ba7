"""Greedy autoregressive sub-task decoding (block size 1) over a `BlockCache` (block_cache.py)."""

from __future__ import annotations

import torch

from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.block_cache import BlockCache


def greedy_decode(
    backbone: Backbone,
    cache: BlockCache,
    last_hidden: torch.Tensor,
    eos_id: int,
    max_tokens: int,
    start: int = 0,
) -> list[int]:
    """Greedy AR decoding after a prefilled prompt (batch 1): token k (1-based) is committed as block k.

    `last_hidden` (1, H) is the prompt's last hidden state (it predicts the first sub-task token). Returns the
    tokens without EOS; the cache then holds the prompt and those tokens (EOS not yet fed). `start` sub-task tokens
    are already in the cache (decoding resumes after them; `last_hidden` is then the state after them).
    """
    out: list[int] = []
    hidden = last_hidden
    for k in range(start + 1, start + max_tokens + 1):
        token = int(backbone.logits(hidden).argmax(-1)[0])
        if token == eos_id:
            break
        out.append(token)
        if k == start + max_tokens:
            break
        emb = backbone.embed(torch.tensor([[token]], device=hidden.device))
        hidden = cache.run(emb, torch.tensor([k]))[:, -1]
    return out
