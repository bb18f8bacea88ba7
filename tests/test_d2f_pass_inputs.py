"""One D2F pass's inputs and outputs: rows' commit parts line up in the first columns, active parts after them."""

from __future__ import annotations

import torch

from lohovla.policies.lohovla.d2f_decoder import TokenIds, active_tops, pack, top_tokens

IDS = TokenIds(mask=3, eos=2, pad=0, banned=(0, 1, 3))


def test_commit_parts_fill_the_first_columns_and_active_parts_follow() -> None:
    plans = {
        0: ([10, 11, 12, 3], [4, 5, 6, 7], [5, 6, 7, 8], 3),  # 3 committed, 1 active
        2: ([20, 3, 21], [0, 1, 2], [1, 2, 2], 1),  # 1 committed, 2 active
    }
    tok, bid, pos, n_commit = pack(plans, [0, 1, 2], [50, 60, 70], pad=0)
    assert n_commit == 3 and tok.shape == bid.shape == pos.shape == (3, 5)
    assert tok.tolist() == [[10, 11, 12, 3, 0], [0] * 5, [20, 0, 0, 3, 21]]
    assert bid.tolist() == [[5, 6, 7, 8, -1], [-1] * 5, [1, -1, -1, 2, 2]]  # row 1 is done: padding only
    assert pos.tolist() == [[54, 55, 56, 57, 0], [0] * 5, [70, 0, 0, 71, 72]]


def test_active_tops_are_the_top_tokens_of_the_active_columns_and_nothing_without_them() -> None:
    logits = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
    conf, pred = active_tops(logits, 3, IDS)
    want = top_tokens(logits[:, 3:], IDS)
    assert conf == want[0].tolist() and pred == want[1].tolist()
    assert all(p not in IDS.banned for row in pred for p in row)
    assert active_tops(logits, 5, IDS) == ([[], []], [[], []])
