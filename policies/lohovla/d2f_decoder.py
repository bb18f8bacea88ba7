"""D2F parallel decoding of sub-tasks over a prefilled KV cache, for a batch of rows in different states.

One forward pass per step over [completed blocks to commit | active blocks] of every row, right-padded with block
id -1. The committed part's KV stays in the cache (recomputed once from final tokens), the active part's is cropped.
Masked positions are predicted in place, as the D2F objective trains them (sequence.py); block ids only need to be
monotone, so a block starting at sub-task position s has id s + 1 and, with `commit="ar"`, a committed token at
position p has id p + 1: exactly the ids of AR decoding, so the action head's readout pass sees the cache it was
trained on. Rows that finish feed nothing; the batch stops when every row is done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from lohovla.policies.lohovla.ar_decoder import BlockCache
from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.decode_state import D2FRow, Thresholds


@dataclass
class DecodeResult:
    """One row's sub-task and what it cost; `fed` tokens of it are in the cache after decoding."""

    tokens: list[int]  # without EOS
    forwards: int  # backbone passes after the prompt prefill
    decoded: int  # tokens produced, EOS included
    fed: int  # sub-task tokens whose KV is cached (the readout pass feeds the rest)
    ms: float  # wall time of the whole (batched) decode

    @property
    def tokens_per_forward(self) -> float:
        """Tokens per pass, counting the prefill as a pass (AR gets exactly 1.0)."""
        return self.decoded / (self.forwards + 1)


@dataclass
class TokenIds:
    mask: int
    eos: int
    pad: int
    banned: tuple[int, ...] = ()  # never decoded (PAD, BOS, MASK)


def _row_inputs(row: D2FRow, ids: TokenIds, commit_mode: str) -> tuple[list[int], list[int], list[int], int]:
    """(token ids, sub-task positions, block ids, number committed) of one row's next pass."""
    commit = row.to_commit()
    toks, pos, bids = [], [], []
    for b in commit:
        for p in range(b.start, b.end):
            toks.append(int(row.tokens[p])), pos.append(p), bids.append(p + 1 if commit_mode == "ar" else b.start + 1)
    for b in row.active():
        for p in range(b.start, b.end):
            t = row.tokens[p]
            toks.append(ids.mask if t is None else int(t)), pos.append(p), bids.append(b.start + 1)
    n_commit = sum(b.end - b.start for b in commit)
    return toks, pos, bids, n_commit


@torch.no_grad()
def d2f_decode(
    backbone: Backbone,
    cache: BlockCache,
    prompt_lens: list[int],
    cfg: DecodeConfig,
    ids: TokenIds,
    max_tokens: int,
    last_hidden: torch.Tensor | None = None,
) -> list[DecodeResult]:
    """Decode one sub-task per row of a cache holding the prompts (row i: `prompt_lens[i]` valid slots).

    `last_hidden` (B, H), the prompts' last states, is needed only for `cfg.first == "ar"`.
    """
    t0 = time.perf_counter()
    dev = cache.block_ids.device
    th = Thresholds(cfg.block_size, cfg.tau_add, cfg.tau_act, cfg.tau_conf, max_len=max_tokens)
    rows = [D2FRow(th, ids.eos) for _ in prompt_lens]
    if cfg.first == "ar":
        if last_hidden is None:
            raise ValueError("first='ar' needs the prompts' last hidden states")
        first = _predict(backbone, last_hidden[:, None], ids)[1][:, 0].tolist()
        for row, tok in zip(rows, first):
            row.seed(int(tok))
    bases = [p for p in prompt_lens]  # sub-task position 0 sits at the row's prompt length
    while not all(r.done for r in rows):
        live = [i for i, r in enumerate(rows) if not r.done]
        for i in live:
            rows[i].prepare()
        plans = {i: (_row_inputs(rows[i], ids, cfg.commit), rows[i].to_commit()) for i in live}
        n_commit = max(n for (_, _, _, n), _ in plans.values())
        width = n_commit + max(len(t) - n for (t, _, _, n), _ in plans.values())
        tok = torch.full((len(rows), width), ids.pad, dtype=torch.long)
        bid = torch.full((len(rows), width), -1, dtype=torch.long)
        pos = torch.zeros((len(rows), width), dtype=torch.long)
        for i, ((t, p, b, n), _) in plans.items():
            # committed tokens left-aligned in [0, n_commit), active ones from n_commit on
            cols = list(range(n)) + list(range(n_commit, n_commit + len(t) - n))
            tok[i, cols], bid[i, cols] = torch.tensor(t), torch.tensor(b)
            pos[i, cols] = torch.tensor(p) + bases[i]
        hidden = cache.run(backbone.embed(tok.to(dev)), bid.to(dev), positions=pos.to(dev), keep=n_commit)
        conf, pred = _predict(backbone, hidden[:, n_commit:], ids)
        conf, pred = conf.tolist(), pred.tolist()
        for i, ((_, p, _, n), commit) in plans.items():
            row = rows[i]
            row.mark_committed(commit)
            act = [(j, q) for j, q in enumerate(p[n:]) if row.tokens[q] is None]  # column in the active part
            row.apply([q for _, q in act], [conf[i][c] for c, _ in act], [pred[i][c] for c, _ in act])
    ms = (time.perf_counter() - t0) * 1000
    return [DecodeResult(r.result(), r.forwards, len(r.tokens), r.n_cached, ms) for r in rows]


def _predict(backbone: Backbone, hidden: torch.Tensor, ids: TokenIds) -> tuple[torch.Tensor, torch.Tensor]:
    """Top probability and token at every position of `hidden` (B, L, H); banned ids never win."""
    logits = backbone.logits(hidden).float()
    if ids.banned:
        logits[..., list(ids.banned)] = float("-inf")
    probs = logits.softmax(-1)
    conf, pred = probs.max(-1)
    return conf.cpu(), pred.cpu()
