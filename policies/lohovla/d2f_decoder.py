"""D2F parallel decoding of sub-tasks over a prefilled KV cache, for a batch of rows in different states.

One forward pass per step over [completed blocks to commit | active blocks] of every row, right-padded with block
id -1. The committed part's KV stays in the cache (recomputed once from final tokens), the active part's is cropped.
Masked positions are predicted in place, as the D2F objective trains them (sequence.py). Block ids only need to be
monotone: an active span starting at sub-task position s has id s + 1 and, with `commit="ar"`, a committed token at
position p has id p + 1, exactly the ids of AR decoding, so the action head's readout pass sees the cache it was
trained on (`commit="block"` caches a block under its in-block bidirectional mask instead). Rows that finish feed
nothing; the batch stops when every row is done. `verify` checks committed tokens against AR (decode_state.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.cache_rows import Compactor
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


def row_inputs(row: D2FRow, ids: TokenIds, commit_mode: str) -> tuple[list[int], list[int], list[int], int]:
    """(token ids, sub-task positions, block ids, number committed) of one row's next pass."""
    lo, upto = row.commit_range()
    toks = [int(row.tokens[p]) for p in range(lo, upto)]
    pos = list(range(lo, upto))
    if commit_mode == "ar":
        bids = [p + 1 for p in pos]
    else:
        starts = {p: b.start for b in row.blocks for p in range(b.start, b.end)}
        bids = [starts[p] + 1 for p in pos]
    for first, end in row.active():
        for p in range(first, end):
            t = row.tokens[p]
            toks.append(ids.mask if t is None else int(t)), pos.append(p), bids.append(first + 1)
    return toks, pos, bids, upto - lo


@torch.no_grad()
def d2f_decode(
    backbone: Backbone,
    cache: BlockCache,
    prompt_lens: list[int],
    cfg: DecodeConfig,
    ids: TokenIds,
    max_tokens: int,
    last_hidden: torch.Tensor | None = None,
    drafts: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> list[DecodeResult]:
    """Decode one sub-task per row of a cache holding the prompts (row i: `prompt_lens[i]` valid slots).

    `last_hidden` (B, H), the prompts' last states, is needed for `cfg.first == "ar"` and `cfg.verify`. `drafts`
    (top prob, token), each (B, W): the first block's in-place predictions made during the prefill (planner.py);
    they count as that pass's output, so the first decoding pass already commits (or verifies) them.
    """
    t0 = time.perf_counter()
    dev = cache.block_ids.device
    th = Thresholds.of(cfg, max_tokens)
    rows = [D2FRow(th, ids.eos) for _ in prompt_lens]
    if cfg.first == "ar" or cfg.verify:
        if last_hidden is None:
            raise ValueError("first='ar' and verify need the prompts' last hidden states")
        first = greedy(backbone, last_hidden[:, None])[:, 0].tolist()  # AR's own first token
        for row, tok in zip(rows, first):
            row.ar_next = tok
            if not cfg.verify:
                row.seed(tok)
    if drafts is not None:
        conf, pred = (x.tolist() for x in drafts)
        skip = 1 if cfg.first == "ar" or cfg.verify else 0  # position 0 is AR's token there
        for row, c, t in zip(rows, conf, pred):
            row.extend_to(len(c))  # drafted blocks after the first are semi-activated
            n = min(len(c), len(row.tokens))
            row.apply(list(range(skip, n)), c[skip:n], t[skip:n])
    compactor = Compactor(cache)
    while not all(r.done for r in rows):
        for r in rows:
            if not r.done:
                r.prepare()
        live = [i for i, r in enumerate(rows) if not r.done]  # verify may finish a row in prepare (AR's EOS)
        if not live:
            break
        work, wrows = compactor.view(live)
        plans = {i: row_inputs(rows[i], ids, cfg.commit) for i in live}
        tok, bid, pos, n_commit = pack(plans, wrows, prompt_lens, ids.pad)
        before = work.length
        hidden = work.run(backbone.embed(tok.to(dev)), bid.to(dev), positions=pos.to(dev), keep=n_commit)
        # one head call: commit part (AR's choices) and active part (drafts)
        logits = backbone.logits(hidden, wrows)
        conf, pred = active_tops(logits, n_commit, ids)
        ar = logits[:, :n_commit].argmax(-1).tolist() if cfg.verify and n_commit else None
        for k, i in enumerate(wrows):
            if i in plans:
                settle(rows[i], plans[i], work, k, before, conf[k], pred[k], ar[k] if ar is not None else None)
    compactor.finish()
    ms = (time.perf_counter() - t0) * 1000
    return [DecodeResult(r.result(), r.forwards, len(r.tokens), r.cached, ms) for r in rows]


def settle(
    row: D2FRow,
    plan: tuple[list[int], list[int], list[int], int],
    work: BlockCache,
    k: int,
    before: int,
    conf: list[float],
    pred: list[int],
    ar: list[int] | None,
) -> None:
    """After a pass: commit (and verify) the row's commit part, then unmask from its active part's predictions.

    `k` is the row's index in the working cache, `before` that cache's length before the pass.
    """
    _, p, _, n = plan
    row.forwards += 1
    valid = row.commit(p[n - 1] + 1 if n else row.cached, ar[:n] if ar is not None else None)
    if valid < n:  # verification rejected a committed token: its KV and later ones are never seen
        work.block_ids[k, before + valid : before + n] = -1
        return
    act = [(j, q) for j, q in enumerate(p[n:]) if row.tokens[q] is None]  # column in the active part
    row.apply([q for _, q in act], [conf[c] for c, _ in act], [pred[c] for c, _ in act])


def pack(
    plans: dict[int, tuple[list[int], list[int], list[int], int]], wrows: list[int], prompt_lens: list[int], pad: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """(tokens, block ids, positions) of one pass over the working rows: commits in [0, C), active from C on."""
    n_commit = max(n for _, _, _, n in plans.values())
    width = n_commit + max(len(t) - n for t, _, _, n in plans.values())
    tok, bid, pos = ([[fill] * width for _ in wrows] for fill in (pad, -1, 0))  # lists: one tensor each, at the end
    for k, i in enumerate(wrows):
        if i not in plans:
            continue
        t, p, b, n = plans[i]
        cols = [*range(n), *range(n_commit, n_commit + len(t) - n)]
        for c, token, block, at in zip(cols, t, b, p):
            tok[k][c], bid[k][c], pos[k][c] = token, block, at + prompt_lens[i]
    return torch.tensor(tok), torch.tensor(bid), torch.tensor(pos), n_commit


def active_tops(logits: torch.Tensor, n_commit: int, ids: TokenIds) -> tuple[list[list[float]], list[list[int]]]:
    """Per row, top probability and token of the active columns (from `n_commit` on). With verify and a low
    tau_conf every position is drafted, so most passes have none: then no softmax is run."""
    if logits.shape[1] == n_commit:
        return [[] for _ in range(logits.shape[0])], [[] for _ in range(logits.shape[0])]
    conf, pred = top_tokens(logits[:, n_commit:], ids)
    return conf.tolist(), pred.tolist()


def greedy(backbone: Backbone, hidden: torch.Tensor) -> torch.Tensor:
    """AR's choice: the plain argmax of the logits (what greedy_decode takes)."""
    return backbone.logits(hidden).argmax(-1).cpu()


def predict(backbone: Backbone, hidden: torch.Tensor, ids: TokenIds) -> tuple[torch.Tensor, torch.Tensor]:
    """Top probability and token at every position of `hidden` (B, L, H); banned ids never win."""
    return top_tokens(backbone.logits(hidden), ids)


def top_tokens(logits: torch.Tensor, ids: TokenIds) -> tuple[torch.Tensor, torch.Tensor]:
    """Top probability and token of logits (B, L, V), banned ids excluded (a copy: the input is left as it is)."""
    logits = logits.float().clone()
    if ids.banned:
        logits[..., list(ids.banned)] = float("-inf")
    conf, pred = logits.softmax(-1).max(-1)
    return conf.cpu(), pred.cpu()
