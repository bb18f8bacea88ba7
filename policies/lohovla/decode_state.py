"""The D2F state of one sequence: blocks of the sub-task, their activation, unmasking, EOS and the cached prefix.

Kept apart from the model so the pipeline rules can be tested against scripted confidences. Positions are indices
into the sub-task (0 = the token after BOS). A block is semi-activated (unmasks only confident tokens), fully
activated (also unmasks its most confident token when none is confident: guaranteed progress) or complete (no
masks); complete blocks right after the cached prefix are committed to the KV cache in the next forward pass.

With `verify`, committed tokens are also checked against AR's greedy choice, read for free from the commit part of
the pass (its KV is computed token-causally, so position p's hidden state is AR's prediction of p + 1): the first
mismatch is replaced by AR's token and everything after it is masked again, so the result is AR's sub-task. The
decoded prefix is then committed every pass (not only whole blocks) and AR's token at the first masked position is
taken, which is the guaranteed progress; unsure positions are left to AR instead of being forced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lohovla.policies.lohovla.decode_config import DecodeConfig


@dataclass
class Block:
    start: int
    end: int  # exclusive; shrinks when EOS is decoded inside the block
    full: bool = False  # fully activated


@dataclass
class Thresholds:
    block_size: int
    tau_add: float
    tau_act: float
    tau_conf: float
    max_len: int  # most sub-task positions (as AR: at most max_tokens tokens; EOS needs a free position)
    verify: bool = False
    keep_drafts: bool = False  # verify: a rejection keeps the later drafts (checked next pass) instead of masks
    trailing_eos: bool = False  # verify: an EOS drafted after the last drafted word wins over earlier ones
    insert_drafts: bool = False  # keep_drafts: drafts move one on where AR wrote a word they lack

    @classmethod
    def of(cls, cfg: DecodeConfig, max_len: int, verify: bool | None = None) -> Thresholds:
        """The rules of a decode config (`verify` overrides the config's: look-ahead branches always verify)."""
        verify = cfg.verify if verify is None else verify
        return cls(cfg.block_size, cfg.tau_add, cfg.tau_act, cfg.tau_conf, max_len, verify, cfg.keep_drafts,
                   cfg.trailing_eos, cfg.insert_drafts)  # fmt: skip


@dataclass
class D2FRow:
    """One sequence being decoded; `commit_range` / `active` -> one forward pass -> `apply` (+ `verify`)."""

    th: Thresholds
    eos_id: int
    tokens: list[int | None] = field(default_factory=list)  # None = still [MASK]
    blocks: list[Block] = field(default_factory=list)
    eos: int | None = None  # position of the first decoded EOS
    cached: int = 0  # positions [0, cached) are in the KV cache
    ar_next: int | None = None  # verify: AR's greedy token at position `cached`
    rejected: tuple[int, int | None] | None = None  # verify: the last rejected draft (position, token)
    forwards: int = 0

    def __post_init__(self) -> None:
        if not self.blocks:
            self._append(full=True)  # the first block follows the complete prompt, so it is fully active

    # --- queries ----------------------------------------------------------------------------------
    def share(self, b: Block) -> float:
        return sum(t is not None for t in self.tokens[b.start : b.end]) / max(1, b.end - b.start)

    def complete(self, b: Block) -> bool:
        return all(t is not None for t in self.tokens[b.start : b.end])

    @property
    def done(self) -> bool:
        """EOS decoded (or the length limit reached) and every block complete; with verify, every token checked."""
        if not all(self.complete(b) for b in self.blocks):
            return False
        if self.eos is None and len(self.tokens) < self.th.max_len:
            return False
        if not self.th.verify:
            return True
        return self.cached == self._end and (self.eos is None or self.ar_next == self.eos_id)

    @property
    def _end(self) -> int:
        """Positions that ever go into the cache: the tokens before EOS."""
        return len(self.tokens) if self.eos is None else self.eos

    def result(self) -> list[int]:
        """The sub-task tokens without EOS (every position must be decoded)."""
        return [int(t) for t in self.tokens[: self._end] if t is not None]

    # --- one step ------------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Before a forward pass: append a block if the last is decoded enough, then update activations."""
        if self.th.verify:
            self._sync_next()
        last = self.blocks[-1]
        if self.eos is None and len(self.tokens) < self.th.max_len and self.share(last) >= self.th.tau_add:
            self._append(full=False)
            if self.th.verify:
                self._sync_next()  # the cached prefix may have reached the new block
        for prev, b in zip(self.blocks, self.blocks[1:]):
            if not b.full and (prev.end <= self.cached or self.share(prev) >= self.th.tau_act):
                b.full = True

    def commit_range(self) -> tuple[int, int]:
        """Positions fed with final tokens whose KV stays: complete blocks right after the cached prefix.

        With verify: the whole decoded prefix, block complete or not, so drafts are checked as soon as possible and
        AR's token at the first masked position comes back for free.
        """
        upto = self.cached
        if self.th.verify:
            while upto < self._end and self.tokens[upto] is not None:
                upto += 1
            return self.cached, upto
        for b in self.blocks:
            if b.end <= self.cached:
                continue
            if not self.complete(b):
                break
            upto = b.end
        return self.cached, min(upto, self._end)

    def active(self) -> list[tuple[int, int]]:
        """(first, end) position ranges fed as queries whose KV is dropped: everything after the commit range."""
        upto = self.commit_range()[1]
        spans = [(max(b.start, upto), b.end) for b in self.blocks]
        return [(lo, hi) for lo, hi in spans if lo < hi and not (self.th.verify and lo >= self._end)]

    def apply(self, positions: list[int], conf: list[float], pred: list[int]) -> list[int]:
        """Unmask after a pass; `positions` are the masked active positions with their top prob and token.

        Returns the positions decoded now. The commit range of the pass is settled by `commit`, first.
        """
        by_pos = {p: (c, t) for p, c, t in zip(positions, conf, pred)}
        decoded: list[int] = []
        for b in self.blocks:
            masked = [p for p in range(b.start, b.end) if self.tokens[p] is None and p in by_pos]
            if not masked:
                continue
            take = [p for p in masked if by_pos[p][0] >= self.th.tau_conf]
            if not take and b.full and not self.th.verify:  # verify: AR's token at the frontier is the progress
                take = [max(masked, key=lambda p: by_pos[p][0])]
            for p in take:
                self.tokens[p] = by_pos[p][1]
            decoded += take
        eos = [p for p in decoded if self.tokens[p] == self.eos_id]
        if eos and self.th.verify and self.th.trailing_eos:
            eos = self._unsure_eos_masked(eos)
        if eos:
            self._truncate(min(eos))
        return [p for p in decoded if p < len(self.tokens) and self.tokens[p] is not None]

    def _unsure_eos_masked(self, eos: list[int]) -> list[int]:
        """Verify: when EOS is drafted both before and after the last drafted word, the earlier ones are masked again
        (AR's token fills each when the cached prefix reaches it) and the later one ends the sub-task. A model
        trained on padded blocks drafts EOS where it is unsure ("... on the EOS block EOS EOS"); ending at the first
        drops the drafts after it, and the rejected EOS then costs a new block and a pass to draft it. Without an EOS
        after the last word (words drafted past the end), the first EOS ends the sub-task, as without the rule."""
        last_word = max((q for q, t in enumerate(self.tokens) if t is not None and t != self.eos_id), default=-1)
        trailing = [p for p in range(last_word + 1, len(self.tokens)) if self.tokens[p] == self.eos_id]
        if not trailing:
            return eos
        for p in eos:
            if p < last_word:
                self.tokens[p] = None
        return trailing

    def commit(self, upto: int, ar_pred: list[int] | None = None) -> int:
        """The pass committed positions [cached, upto); returns how many of them stay valid.

        `ar_pred[k]` (verify) is AR's greedy token after committed position cached + k. A token that differs from
        AR's is replaced by it and everything after it is masked again; its KV and later ones must be dropped.
        """
        start = self.cached
        if not self.th.verify or ar_pred is None:
            self.cached = upto
            return upto - start
        want = [self.ar_next, *ar_pred]  # AR's choice at positions start .. upto
        for p in range(start, upto):
            if self.tokens[p] != want[p - start]:
                self._reject(p, int(want[p - start]))
                return p - start
        self.cached, self.ar_next = upto, int(want[upto - start])
        return upto - start

    def seed(self, token: int) -> None:
        """Decode position 0 from outside (the prompt's next-token prediction: `first="ar"`, or verify)."""
        self.tokens[0] = token
        if token == self.eos_id:
            self._truncate(0)

    def extend_to(self, length: int) -> None:
        """Append semi-activated blocks until `length` positions exist (drafts made beyond the first block)."""
        while self.eos is None and len(self.tokens) < min(length, self.th.max_len):
            self._append(full=False)

    # --- internals -----------------------------------------------------------------------------------
    def _append(self, full: bool) -> None:
        start = len(self.tokens)
        end = min(start + self.th.block_size, self.th.max_len)
        self.tokens += [None] * (end - start)
        self.blocks.append(Block(start, end, full=full))

    def _truncate(self, eos: int) -> None:
        """EOS at `eos`: the sub-task ends there, as in training (no positions after EOS, a short last block)."""
        self.eos = eos if self.eos is None else min(self.eos, eos)
        self.tokens = self.tokens[: self.eos + 1]
        self.blocks = [b for b in self.blocks if b.start <= self.eos]
        self.blocks[-1].end = min(self.blocks[-1].end, self.eos + 1)

    def _sync_next(self) -> None:
        """Verify: the first uncached position takes AR's token (known from the last commit), for free."""
        p = self.cached
        if self.ar_next is None or p >= len(self.tokens):
            return
        if self.tokens[p] is None:
            self.seed_at(p, self.ar_next)
        elif self.tokens[p] != self.ar_next:
            self._reject(p, self.ar_next)

    def seed_at(self, p: int, token: int) -> None:
        self.tokens[p] = token
        if token == self.eos_id:
            self._truncate(p)

    def _reject(self, p: int, token: int) -> None:
        """Verification: position p becomes AR's token; later positions are masked again (EOS too), or with
        `keep_drafts` keep their drafts, which the next pass verifies at once: a wrong word in a template sentence
        seldom makes the words after it wrong, and a kept draft costs nothing when it fails (it is checked anyway).
        """
        before, self.rejected = self.rejected, (p, self.tokens[p])  # the rejected draft, before anything moves
        self.cached, self.ar_next = p, token
        if not self.th.keep_drafts:
            self.eos = None
            self.tokens[p + 1 :] = [None] * (len(self.tokens) - p - 1)
        elif p + 1 < len(self.tokens) and self.tokens[p + 1] == token:
            self._drop_draft(p)
        elif self.th.insert_drafts and self.eos != p and self._inserted(p, token, before):
            self._insert_draft(p)
        elif self.eos == p:  # the draft at p was EOS: the sub-task goes on (prepare appends the next block)
            self.eos = None
        self.seed_at(p, token)

    def _inserted(self, p: int, token: int, before: tuple[int, int | None] | None) -> bool:
        """AR wrote a word the drafts lack, at p: it repeats the word before p ("pick up the the blue block" against
        the drafts' "pick up the smaller block"), or it is the draft rejected at p - 1 in the pass before (the word
        AR put there was new, and the drafts go on one position late); `before` is that earlier rejection."""
        return (p > 0 and self.tokens[p - 1] == token) or before == (p - 1, token)

    def _insert_draft(self, p: int) -> None:
        """The drafts from p on move one position on (the mirror of `_drop_draft`), the sub-task one longer."""
        self.tokens[p + 1 :] = self.tokens[p:]
        self.blocks[-1].end += 1
        if self.eos is not None:
            self.eos += 1
        if len(self.tokens) > self.th.max_len:
            self.tokens.pop()
            self.blocks[-1].end = min(self.blocks[-1].end, self.th.max_len)
            self.eos = None if self.eos is not None and self.eos >= self.th.max_len else self.eos

    def _drop_draft(self, p: int) -> None:
        """The drafts hold one word too many at p (AR's token there is the next draft: "pick up the smaller blue
        block" against AR's "pick up the blue block"): the drafts after p move one position back. Kept as they were,
        every later draft would sit one position off and fail, one pass each (K's sub-tasks took 9.9 passes)."""
        eos = self.eos
        self.tokens[p:] = [*self.tokens[p + 1 :], None]
        if eos is not None:
            self.eos = None
            self._truncate(eos - 1)
