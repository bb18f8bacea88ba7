"""Greedy AR decoding of a batch of sub-tasks: `greedy_decode` for B rows with their own positions and ends.

Token k (1-based) of a row is fed as block k at the row's own position; a row that has finished feeds a padding
slot (block id -1) while the others go on, so every row's tokens equal its single-row decode.
"""

from __future__ import annotations

import time

import torch

from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.cache_rows import Compactor
from lohovla.policies.lohovla.d2f_decoder import DecodeResult


@torch.no_grad()
def greedy_decode_batch(
    backbone: Backbone,
    cache: BlockCache,
    last_hidden: torch.Tensor,
    prompt_lens: list[int],
    eos_id: int,
    pad_id: int,
    max_tokens: int,
) -> list[DecodeResult]:
    """`last_hidden` (B, H): each prompt's last state. Returns per row the tokens without EOS and the costs."""
    t0 = time.perf_counter()
    dev = last_hidden.device
    b = last_hidden.shape[0]
    out: list[list[int]] = [[] for _ in range(b)]
    done, ended, forwards = [False] * b, [False] * b, [0] * b
    hidden = last_hidden.clone()
    compactor = Compactor(cache)
    for k in range(1, max_tokens + 1):
        pred = backbone.logits(hidden).argmax(-1).tolist()
        for i in range(b):
            if done[i]:
                continue
            if pred[i] == eos_id:
                done[i] = ended[i] = True
                continue
            out[i].append(int(pred[i]))
            done[i] = k == max_tokens
        if all(done):
            break
        work, wrows = compactor.view([i for i in range(b) if not done[i]])
        live = torch.tensor([not done[i] for i in wrows], device=dev)
        toks = torch.where(live, torch.tensor([pred[i] for i in wrows], device=dev), pad_id)[:, None]
        bids = torch.where(live, k, -1)[:, None]
        pos = torch.tensor([prompt_lens[i] for i in wrows], device=dev)[:, None] + (k - 1)
        for i in range(b):
            forwards[i] += int(not done[i])
        hidden[wrows] = work.run(backbone.embed(toks), bids, positions=pos)[:, -1]
    compactor.finish()
    ms = (time.perf_counter() - t0) * 1000
    return [DecodeResult(out[i], forwards[i], len(out[i]) + int(ended[i]), forwards[i], ms) for i in range(b)]
