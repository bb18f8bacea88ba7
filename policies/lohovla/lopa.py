"""LoPA-style look-ahead branches for verified D2F: several guesses at the first unsure position, one pass.

With verification (decode_state.py) a pass checks the decoded prefix and returns AR's token at the first masked
position m. Branch 0 is the row as it is; branch j fills m with the j-th most likely token of the last pass. All
branches run as rows of one batched pass over copies of the cache; the branch whose verified prefix reaches
furthest is kept (branch 0 on ties: it keeps its later drafts). When a guess is AR's token, the pass verifies past
m up to the next unsure position, so a sub-task needs fewer passes; each pass costs more (K rows), which pays on an
accelerator and has to be measured on a CPU. One scene at a time: batching already fills the machine.
"""

from __future__ import annotations

import copy
import time

import torch

from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.cache_rows import take_rows
from lohovla.policies.lohovla.d2f_decoder import (
    DecodeResult,
    TokenIds,
    greedy,
    pack,
    row_inputs,
    settle,
    top_tokens,
)
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.decode_state import D2FRow, Thresholds


def _branches(row: D2FRow, guesses: dict[int, list[int]], k: int) -> list[D2FRow]:
    """The row, plus copies whose first masked position holds one of its next most likely tokens."""
    m = next((p for p in range(row.cached, len(row.tokens)) if row.tokens[p] is None), None)
    out = [row]
    for token in guesses.get(m, [])[: k - 1] if m is not None else []:
        branch = copy.deepcopy(row)
        branch.seed_at(m, token)
        out.append(branch)
    return out


@torch.no_grad()
def lopa_decode(
    backbone: Backbone,
    cache: BlockCache,
    prompt_len: int,
    cfg: DecodeConfig,
    ids: TokenIds,
    max_tokens: int,
    last_hidden: torch.Tensor,
) -> DecodeResult:
    """Verified D2F of one scene with `cfg.branches` look-ahead branches per pass; `cache` holds its prompt."""
    if not cfg.verify:
        raise ValueError("look-ahead branches are chosen by AR verification: they need verify=True")
    t0 = time.perf_counter()
    dev = cache.block_ids.device
    th = Thresholds.of(cfg, max_tokens, verify=True)
    row = D2FRow(th, ids.eos)
    row.ar_next = int(greedy(backbone, last_hidden[:1, None])[0, 0])
    current, guesses = cache, {}
    while not row.done:
        row.prepare()
        if row.done:  # AR's EOS right after the verified prefix
            break
        branches = _branches(row, guesses, cfg.branches)
        plans = {j: row_inputs(b, ids, cfg.commit) for j, b in enumerate(branches)}
        work = take_rows(current, [0] * len(branches))
        tok, bid, pos, n_commit = pack(plans, list(plans), [prompt_len] * len(branches), ids.pad)
        before = work.length
        hidden = work.run(backbone.embed(tok.to(dev)), bid.to(dev), positions=pos.to(dev), keep=n_commit)
        logits = backbone.logits(hidden, [0] * hidden.shape[0])  # one head call: commits (AR's choices) and drafts
        conf, pred = (x.tolist() for x in top_tokens(logits[:, n_commit:], ids))
        top = _top(logits[:, n_commit:], ids, cfg.branches)
        ar = logits[:, :n_commit].argmax(-1).tolist() if n_commit else [None] * len(branches)
        for j, b in enumerate(branches):
            settle(b, plans[j], work, j, before, conf[j], pred[j], ar[j])
        best = max(range(len(branches)), key=lambda j: (branches[j].cached, -j))
        row, current = branches[best], take_rows(work, [best])
        active = plans[best][1][plans[best][3] :]
        guesses = {q: top[best][c] for c, q in enumerate(active)}
    cache.cache, cache.block_ids, cache.length = current.cache, current.block_ids, current.length
    ms = (time.perf_counter() - t0) * 1000
    return DecodeResult(row.result(), row.forwards, len(row.tokens), row.cached, ms)


def _top(logits: torch.Tensor, ids: TokenIds, k: int) -> list[list[list[int]]]:
    """The k most likely tokens (banned ids excluded) at every position: guesses for the next branches."""
    logits = logits.float()
    if ids.banned:
        logits[..., list(ids.banned)] = float("-inf")
    return logits.topk(min(k, logits.shape[-1]), dim=-1).indices.cpu().tolist()
