"""Decoding settings: which sub-task decoder, the D2F block size and thresholds (the checks: grounding_config.py).

Part of the model config (`ModelConfig.decode`), so a checkpoint carries the thresholds it was tuned with; a policy
can override any field (`load_policy(path, decoder="d2f", decode={"tau_conf": 0.8})`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

DECODERS = ("ar", "d2f")
FIRST_MODES = ("mask", "ar")  # how the first sub-task token is predicted (see D2F `first`)
COMMIT_MODES = ("ar", "block")  # which mask the final KV of a completed block is computed under


@dataclass(slots=True)
class DecodeConfig:
    """Defaults: D2F drafting with AR verification, two blocks drafted in the prefill, rejected drafts' successors
    kept, tau_conf 0.1 (chosen for planning latency on val states, benchmarks.decode_tune: nearly every draft is
    then checked at once, 3.36 passes per sub-task against 3.51 at 0.2; verify makes any value return AR's
    sub-task; docs/decoding.md). The paper's plain D2F: verify=False, tau_conf=0.9, prefill_blocks=0.
    `commit="ar"` keeps the cache identical to AR's, so the action head reads what it was trained on."""

    decoder: str = "ar"  # ar | d2f
    block_size: int = 8
    tau_add: float = 0.1  # append a masked block once the last block's decoded share reaches this
    tau_act: float = 0.95  # fully activate block b+1 once block b's decoded share reaches this
    tau_conf: float = 0.1  # unmask every token whose top probability reaches this (a draft, with verify)
    first: str = "mask"  # mask: the first block is predicted in place (D2F objective); ar: token 1 from BOS
    commit: str = "ar"  # ar: completed blocks are cached token-causally, as AR training saw clean text; block
    verify: bool = True  # check committed tokens against AR's greedy choice (free, in the commit pass): AR's output
    keep_drafts: bool = True  # verify: a rejected token's later drafts stay to be checked (decode_state.py)
    trailing_eos: bool = True  # verify: EOS drafted before and after a word: the later one ends it (decode_state.py)
    insert_drafts: bool = True  # keep_drafts: the drafts move one position on where AR wrote a word they lack
    prefill_blocks: int = 2  # blocks of [MASK]s drafted in the prompt's prefill pass (planner.py; 0: none)
    branches: int = 1  # > 1: LoPA-style look-ahead branches per pass (verify, one scene at a time; lopa.py)
    max_tokens: int | None = None  # None: the model's text.max_subtask_tokens
    refer: bool = True  # colour words read where the model points (a model with a refer map; color_reading.py)
    refer_lm_weight: float = 1.0  # the LM's own colour preference in that reading (0: none; 1: product of experts)

    def __post_init__(self) -> None:
        if self.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {self.decoder!r}; expected one of {DECODERS}")
        if self.first not in FIRST_MODES:
            raise ValueError(f"unknown first-token mode {self.first!r}; expected one of {FIRST_MODES}")
        if self.commit not in COMMIT_MODES:
            raise ValueError(f"unknown commit mode {self.commit!r}; expected one of {COMMIT_MODES}")
        if self.verify and self.commit != "ar":
            raise ValueError("verify reads AR's predictions from token-causal commits: it needs commit='ar'")
        if self.branches < 1 or (self.branches > 1 and not self.verify):
            raise ValueError("branches must be >= 1, and look-ahead branches (> 1) need verify=True")
        if self.prefill_blocks < 0:
            raise ValueError("prefill_blocks must be >= 0")
        if self.block_size < 1:
            raise ValueError("block_size must be >= 1")
        for name in ("tau_add", "tau_act", "tau_conf"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")

    def with_overrides(self, overrides: dict[str, Any] | None = None, **kwargs: Any) -> DecodeConfig:
        """A copy with some fields replaced; an unknown key is an error (a typo must not decode differently)."""
        values = {**(overrides or {}), **{k: v for k, v in kwargs.items() if v is not None}}
        unknown = sorted(set(values) - {f.name for f in fields(self)})
        if unknown:
            raise KeyError(f"unknown decode settings {unknown}")
        return replace(self, **values)
