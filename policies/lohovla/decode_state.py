"""The D2F state of one sequence: blocks of the sub-task, their activation, unmasking and EOS, without torch.

Kept apart from the model so the pipeline rules can be tested against scripted confidences. Positions are indices
into the sub-task (0 = the token after BOS). A block is semi-activated (unmasks only confident tokens), fully
activated (also unmasks its most confident token when none is confident: guaranteed progress) or complete (no
masks); a complete block whose predecessors are all cached is committed to the KV cache in the next forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    start: int
    end: int  # exclusive; shrinks when EOS is decoded inside the block
    full: bool = False  # fully activated
    cached: bool = False  # its final KV is in the cache


@dataclass
class Thresholds:
    block_size: int
    tau_add: float
    tau_act: float
    tau_conf: float
    max_len: int  # most sub-task positions (as AR: at most max_tokens tokens; EOS needs a free position)


@dataclass
class D2FRow:
    """One sequence being decoded; `step_inputs` -> one forward pass -> `apply`."""

    th: Thresholds
    eos_id: int
    tokens: list[int | None] = field(default_factory=list)  # None = still [MASK]
    blocks: list[Block] = field(default_factory=list)
    eos: int | None = None  # position of the first decoded EOS
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
        """EOS decoded and every block complete, or the length limit reached with every block complete."""
        if not all(self.complete(b) for b in self.blocks):
            return False
        return self.eos is not None or len(self.tokens) >= self.th.max_len

    @property
    def n_cached(self) -> int:
        return max((b.end for b in self.blocks if b.cached), default=0)

    def result(self) -> list[int]:
        """The sub-task tokens without EOS (every position must be decoded)."""
        toks = self.tokens if self.eos is None else self.tokens[: self.eos]
        return [int(t) for t in toks if t is not None]

    # --- one step ------------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Before a forward pass: append a block if the last is decoded enough, then update activations."""
        last = self.blocks[-1]
        if self.eos is None and len(self.tokens) < self.th.max_len and self.share(last) >= self.th.tau_add:
            self._append(full=False)
        for prev, b in zip(self.blocks, self.blocks[1:]):
            if not b.full and (prev.cached or self.share(prev) >= self.th.tau_act):
                b.full = True

    def to_commit(self) -> list[Block]:
        """Complete blocks whose predecessors are all cached: fed with final tokens, their KV kept."""
        out = []
        for b in self.blocks:
            if b.cached:
                continue
            if not self.complete(b):
                break
            out.append(b)
        return out

    def active(self) -> list[Block]:
        """Blocks fed as queries whose KV is dropped after the pass (everything after the committed ones)."""
        commit = {id(b) for b in self.to_commit()}
        return [b for b in self.blocks if not b.cached and id(b) not in commit]

    def apply(self, positions: list[int], conf: list[float], pred: list[int]) -> list[int]:
        """Unmask after a pass; `positions` are the masked active positions with their top prob and token.

        Returns the positions decoded now. Blocks committed in this pass must be marked by `mark_committed`.
        """
        self.forwards += 1
        by_pos = {p: (c, t) for p, c, t in zip(positions, conf, pred)}
        decoded: list[int] = []
        for b in self.blocks:
            if b.cached:
                continue
            masked = [p for p in range(b.start, b.end) if self.tokens[p] is None and p in by_pos]
            if not masked:
                continue
            take = [p for p in masked if by_pos[p][0] >= self.th.tau_conf]
            if not take and b.full:
                take = [max(masked, key=lambda p: by_pos[p][0])]
            for p in take:
                self.tokens[p] = by_pos[p][1]
            decoded += take
        eos = [p for p in decoded if self.tokens[p] == self.eos_id]
        if eos:
            self._truncate(min(eos))
        return [p for p in decoded if p < len(self.tokens)]

    def seed(self, token: int) -> None:
        """Decode position 0 from outside (the prompt's next-token prediction, D2F `first="ar"`)."""
        self.tokens[0] = token
        if token == self.eos_id:
            self._truncate(0)

    def mark_committed(self, blocks: list[Block]) -> None:
        for b in blocks:
            b.cached = True

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
