"""D2F decoder rules on a scripted model: activation, guaranteed progress, EOS, length limit, commits.

The fake cache/backbone pair returns, for every fed position, a distribution whose top token is the script's target
at that sub-task position with a scripted probability, so every rule of the pipeline is checked exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import pytest
import torch

from lohovla.policies.lohovla.d2f_decoder import TokenIds, d2f_decode
from lohovla.policies.lohovla.decode_config import DecodeConfig

PAD, BOS, EOS, MASK = 0, 2, 3, 4
IDS = TokenIds(mask=MASK, eos=EOS, pad=PAD, banned=(PAD, BOS, MASK))
VOCAB = 16
PROMPT = 5
Conf = Callable[[int, int], float]  # (sub-task position, step) -> top probability


class Script:
    """Fake backbone + cache: hidden = (sub-task position, step, committed); logits put `conf` on target[position].

    Committed slots (fed token-causally) predict the next position as AR would: `ar_target[position + 1]`.
    """

    def __init__(self, target: list[int], conf: Conf, ar_target: list[int] | None = None) -> None:
        self.target, self.conf, self.ar_target = target, conf, ar_target or target
        self.block_ids = torch.zeros(1, PROMPT, dtype=torch.long)
        self.length = PROMPT
        self.calls: list[dict] = []

    # cache side
    def run(self, embeds, block_ids, positions, keep):
        self.calls.append(
            {"tokens": embeds[0, :, 0].long().tolist(), "ids": block_ids[0].tolist(), "keep": keep,
             "pos": (positions[0] - PROMPT).tolist()}
        )  # fmt: skip
        self.block_ids = torch.cat([self.block_ids, block_ids[:, :keep]], 1)
        self.length += keep
        step = torch.full_like(positions, len(self.calls) - 1)
        committed = (torch.arange(positions.shape[1]) < keep).expand_as(positions)
        return torch.stack([positions - PROMPT, step, committed.long()], -1).float()

    # backbone side
    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return ids[..., None].float()

    def logits(self, hidden: torch.Tensor, rows: object = None) -> torch.Tensor:
        out = torch.full((*hidden.shape[:-1], VOCAB), -math.inf)
        allowed = [t for t in range(VOCAB) if t not in IDS.banned]
        for idx in itertools.product(*(range(n) for n in hidden.shape[:-1])):
            pos, step, committed = (int(v) for v in hidden[idx])
            if committed:
                top, c = self.ar_target[pos + 1] if pos + 1 < len(self.ar_target) else 5, 0.999
            else:
                top, c = self.target[pos] if 0 <= pos < len(self.target) else 5, self.conf(pos, step)
            rest = (1 - c) / (len(allowed) - 1)
            for t in allowed:
                out[idx + (t,)] = math.log(c if t == top else rest)
        return out


BOS_STATE = torch.tensor([[-1.0, 0.0, 1.0]])  # the prompt's last state: AR's prediction of position 0


def decode(target, conf, max_tokens=20, ar_target=None, **cfg):
    script = Script(target, conf, ar_target)
    cfg = DecodeConfig(decoder="d2f", **{"tau_add": 0.1, "tau_act": 0.95, "tau_conf": 0.9, "verify": False, **cfg})
    res = d2f_decode(script, script, [PROMPT], cfg, IDS, max_tokens, last_hidden=BOS_STATE)[0]
    return res, script.calls


SUB = [5, 6, 7, 8, 9, 10, EOS]  # six words + EOS


def LEFT_FIRST(p: int, s: int) -> float:
    """Never confident; the leftmost masked token is the most confident one (no float ties)."""
    return 0.5 - 0.01 * p


def test_low_confidence_still_decodes_one_token_per_pass_in_order() -> None:
    res, calls = decode(SUB, LEFT_FIRST, block_size=4)
    assert res.tokens == SUB[:-1] and res.decoded == 7 and res.forwards == 7
    # block 2 is appended after the first token (share 1/4 >= tau_add) but stays semi-activated: no progress there
    assert calls[0]["pos"] == [0, 1, 2, 3] and calls[1]["pos"] == [0, 1, 2, 3, 4, 5, 6, 7]
    firsts = [c["tokens"] for c in calls]
    assert all(t[4:] == [MASK] * 4 for t in firsts[1:4])  # block 2 untouched while block 1 is incomplete
    # block 1 complete after 4 passes: committed (token-causal ids) in pass 5, alongside block 2 as the active part
    assert calls[4]["keep"] == 4 and calls[4]["ids"][:4] == [1, 2, 3, 4] and calls[4]["pos"][:4] == [0, 1, 2, 3]


def test_confident_blocks_finish_in_one_pass_each() -> None:
    res, calls = decode(SUB, lambda p, s: 0.99, block_size=4)
    assert res.tokens == SUB[:-1] and res.forwards == 2 and res.tokens_per_forward == 7 / 3
    assert calls[0]["keep"] == 0 and calls[1]["keep"] == 4
    assert res.fed == 4  # block 2 is left for the readout pass to feed


def test_commit_block_mode_uses_one_id_per_block() -> None:
    _, calls = decode(SUB, lambda p, s: 0.99, block_size=4, commit="block")  # plain D2F (no verify)
    assert calls[1]["ids"] == [1, 1, 1, 1, 5, 5, 5, 5]


def test_semi_activated_block_unmasks_only_confident_tokens() -> None:
    # block 1: one token per pass; block 2: position 5 is confident, the others never are
    res, calls = decode(SUB, lambda p, s: 0.95 if p == 5 else 0.5, block_size=4)
    assert calls[1]["tokens"][4:] == [MASK] * 4 and calls[2]["tokens"][5] == SUB[5]
    assert calls[2]["tokens"][4] == MASK and res.tokens == SUB[:-1]


def test_activation_threshold_lets_two_blocks_progress_together() -> None:
    # tau_act 0.5: once half of block 1 is decoded, block 2 is fully active and also gets a forced token per pass
    res, calls = decode([5, 6, 7, 8, 9, 10, 11, 12, EOS], LEFT_FIRST, block_size=4, tau_act=0.5)
    assert res.tokens == [5, 6, 7, 8, 9, 10, 11, 12]
    # passes 1-2: block 1 alone (block 2 semi); 3-4: blocks 1 and 2; 5: blocks 2 and 3 (EOS at 8); 6: position 7
    assert res.forwards == 6
    assert calls[2]["tokens"][:8] == [5, 6, MASK, MASK, MASK, MASK, MASK, MASK]
    assert calls[4]["keep"] == 4 and calls[5]["tokens"][:4] == [9, 10, 11, MASK]


def test_eos_truncates_the_block_and_drops_later_blocks() -> None:
    # EOS at position 2 is unsure; positions after it (never trained) are confident garbage
    res, calls = decode([5, 6, EOS], lambda p, s: 0.5 if p == 2 else 0.99, block_size=8)
    assert res.tokens == [5, 6] and res.decoded == 3
    assert res.forwards == 2  # pass 2 forces EOS (nothing else is masked)
    assert len(calls[1]["pos"]) == 16  # a second block had been appended, then dropped by the EOS


def test_earlier_eos_wins() -> None:
    # EOS predicted at 4 first, then position 1 turns out to be EOS as well: the sub-task ends at 1
    target = [5, EOS, 7, 8, EOS]
    res, _ = decode(target, lambda p, s: 0.99 if p != 1 else 0.3, block_size=8)
    assert res.tokens == [5] and res.decoded == 2


def test_length_limit_without_eos_matches_ar_limit() -> None:
    res, calls = decode(list(range(5, 16)) * 3, lambda p, s: 0.99, block_size=4, max_tokens=10)
    assert res.tokens == (list(range(5, 16)) * 3)[:10] and res.decoded == 10
    assert max(max(c["pos"]) for c in calls) == 9  # no block beyond the limit


def test_first_token_from_the_prompt() -> None:
    res, calls = decode(SUB, lambda p, s: 0.5, block_size=4, first="ar", ar_target=[11, *SUB[1:]])
    assert calls[0]["tokens"][0] == 11 and res.tokens == [11, *SUB[1:-1]]


def test_verify_accepts_agreeing_drafts_with_one_closing_pass() -> None:
    plain, _ = decode(SUB, lambda p, s: 0.99, block_size=4)
    res, calls = decode(SUB, lambda p, s: 0.99, block_size=4, verify=True)
    assert res.tokens == plain.tokens == SUB[:-1] and res.forwards == plain.forwards == 2
    # pass 1: AR's first token committed, both blocks drafted; pass 2: the drafts committed and checked (EOS is
    # never fed: AR's prediction after position 5 confirms it)
    assert calls[0]["keep"] == 1 and calls[0]["pos"] == list(range(8))
    assert calls[1]["keep"] == 5 and calls[1]["pos"] == [1, 2, 3, 4, 5] and res.fed == 6


def test_verify_replaces_a_wrong_draft_token_with_ar_and_redecodes_the_rest() -> None:
    ar = [5, 6, 7, 8, 9, 12, 13, EOS]  # AR differs from the draft at position 5 and runs one token longer
    res, calls = decode(SUB, lambda p, s: 0.99, block_size=4, verify=True, ar_target=ar)
    assert res.tokens == ar[:-1] and res.fed == 7 and res.forwards == 4
    assert calls[1]["keep"] == 5 and calls[1]["tokens"][4] == 10  # draft 10 at position 5 committed, rejected
    assert calls[2]["pos"][0] == 5 and calls[2]["tokens"][0] == 12  # AR's token there, then the rest re-drafted


def test_verify_overrules_an_early_or_a_missing_eos() -> None:
    early, _ = decode([5, 6, EOS], lambda p, s: 0.99, block_size=4, verify=True, ar_target=SUB)
    assert early.tokens == SUB[:-1]
    late, _ = decode(list(range(5, 16)), lambda p, s: 0.99, block_size=4, verify=True, ar_target=[5, 6, 7, EOS])
    assert late.tokens == [5, 6, 7] and late.decoded == 4


def test_verify_hits_the_length_limit_like_ar() -> None:
    res, _ = decode(list(range(5, 16)), lambda p, s: 0.99, block_size=4, max_tokens=6, verify=True)
    assert res.tokens == list(range(5, 11)) and res.fed == 6


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ValueError):
        DecodeConfig(decoder="d2f", tau_conf=1.5)
    with pytest.raises(ValueError):
        DecodeConfig(decoder="beam")
    with pytest.raises(KeyError):
        DecodeConfig().with_overrides({"tau": 0.5})
    with pytest.raises(ValueError):
        DecodeConfig(decoder="d2f", verify=True, commit="block")


def test_kept_drafts_after_a_rejected_word_are_verified_in_the_next_pass() -> None:
    """One wrong word mid-sentence: keep_drafts checks the words after it at once instead of re-drafting them."""
    drafts = [5, 6, 7, 8, 9, 10, 11, 12, EOS]
    ar = [5, 6, 13, 8, 9, 10, 11, 12, EOS]
    kept, calls = decode(drafts, lambda p, s: 0.99, block_size=4, verify=True, ar_target=ar, keep_drafts=True)
    masked, _ = decode(drafts, lambda p, s: 0.99, block_size=4, verify=True, ar_target=ar, keep_drafts=False)
    assert kept.tokens == masked.tokens == ar[:-1]
    assert kept.forwards < masked.forwards
    rejected = next(i for i, c in enumerate(calls) if 13 in c["tokens"])
    assert calls[rejected]["tokens"][:3] == [13, 8, 9]  # AR's word, then the kept drafts, fed to be checked


def test_drafts_with_one_word_too_many_move_back_and_are_verified_at_once() -> None:
    """The drafts say "the smaller blue block ." where AR says "the blue block .": AR's word at the rejected
    position is the next draft, so the drafts after it move one position back (EOS with them) and the next pass
    checks them all, instead of failing one position per pass."""
    drafts = [5, 6, 14, 7, 8, 9, 10, EOS]
    ar = [5, 6, 7, 8, 9, 10, EOS]
    res, calls = decode(drafts, lambda p, s: 0.99, block_size=4, verify=True, ar_target=ar, keep_drafts=True)
    assert res.tokens == ar[:-1] and res.fed == 6
    rejected = next(i for i, c in enumerate(calls) if c["tokens"][:1] == [7])
    assert calls[rejected]["tokens"][:4] == [7, 8, 9, 10]  # AR's word, then the moved drafts, fed to be checked
    assert res.forwards == rejected + 1  # that pass confirms them all (EOS included): no pass per position


@pytest.mark.parametrize(
    "ar",
    [
        [5, 6, 6, 7, 8, 9, 10, EOS],  # AR repeats the word before ("the the"): the drafts lack it
        [5, 6, 13, 7, 8, 9, 10, EOS],  # AR writes a new word, then the draft it rejected
    ],
)
def test_drafts_missing_a_word_move_on_and_are_verified_at_once(ar: list[int]) -> None:
    """The mirror of the test above: AR writes a word the drafts lack, so every later draft sits one position early.
    With insert_drafts they move one position on (EOS with them), and the pass after AR's words checks them all."""
    drafts = [5, 6, 7, 8, 9, 10, EOS]
    run = dict(block_size=4, verify=True, ar_target=ar, keep_drafts=True)
    moved, calls = decode(drafts, lambda p, s: 0.99, insert_drafts=True, **run)
    kept, _ = decode(drafts, lambda p, s: 0.99, insert_drafts=False, **run)
    assert moved.tokens == kept.tokens == ar[:-1]
    assert moved.forwards < kept.forwards
    assert calls[-1]["tokens"][-4:] == [7, 8, 9, 10]  # the moved drafts, checked in one pass


def test_an_eos_drafted_before_a_word_is_left_to_ar() -> None:
    """A model unsure of a word may draft EOS there ("... on the EOS block ."). With trailing_eos only the EOS after
    the last drafted word ends the sub-task: the drafts after the unsure one stay, and AR fills the gap."""
    drafts = [5, 6, EOS, 8, 9, 10, 11, EOS]
    ar = [5, 6, 7, 8, 9, 10, 11, EOS]
    run = dict(block_size=4, verify=True, ar_target=ar, keep_drafts=True)
    left, _ = decode(drafts, lambda p, s: 0.99, trailing_eos=True, **run)
    ended, _ = decode(drafts, lambda p, s: 0.99, trailing_eos=False, **run)
    assert left.tokens == ended.tokens == ar[:-1]
    assert left.forwards < ended.forwards
