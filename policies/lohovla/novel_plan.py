"""A re-plan after failure that writes a sub-task the policy has not just failed at.

Algorithm 1 re-plans after more than K failed tries so that a wrong sub-task is replaced. A greedy planner
given the same scene writes the same sub-task again (a block already in its bowl, a colour the planner confuses),
and the episode stalls on it. So when the greedy sub-task is one of the recently failed ones, we take the
decoding's least certain choice along it (the smallest top-1 minus top-2 logit margin, typically the colour word),
write the runner-up there instead and continue greedily; then the next least certain position, up to `tries`
times. None of them new: the greedy sub-task stands.

With `swappable` (the colour words), only the first of those positions changes (the pick's colour: which block
moves), and only to another of those words, in order of the logit given up; the rest follows greedily, so the
place agrees with the new pick. Never a broken sentence ("... place it in the.") found by swapping a template
word when several sub-tasks are avoided at once, nor a swapped place colour that undoes a sub-task done ("put
the pink block, already in the pink zone, in the blue zone").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import torch

from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.block_cache import BlockCache


@torch.no_grad()
def novel_decode(
    cache: BlockCache,
    prompt_len: int,
    last: torch.Tensor,
    greedy: Sequence[int],
    avoid: Collection[tuple[int, ...]],
    eos_id: int,
    max_tokens: int,
    tries: int = 4,
    swappable: Collection[int] | None = None,
) -> list[int]:
    """The first sub-task not in `avoid` found by swapping in runner-ups along `greedy` (batch 1, AR).

    The cache holds [prompt | some of `greedy`'s tokens] on entry and [prompt | the returned tokens, as AR feeds
    them] on exit; `last` (1, H) is the prompt's last hidden state.
    """
    if tuple(greedy) not in avoid:
        return list(greedy)
    backbone = cache.head  # the backbone, or its colour-reading stand-in
    cache.crop(prompt_len)
    seq = [*greedy, eos_id][:max_tokens]  # every decision greedy made, its EOS included
    ids = torch.tensor([seq[:-1]], device=last.device)
    hidden = cache.run(backbone.embed(ids), torch.arange(1, len(seq))) if len(seq) > 1 else last[:, None][:, :0]
    states = torch.cat([last[:, None], hidden], 1)[0]  # states[j] predicts seq[j]
    logits = backbone.logits(states)
    for j, alt in _swaps(seq, logits, swappable)[:tries]:
        cache.crop(prompt_len + j)
        if alt == eos_id:
            out = list(seq[:j])
        else:
            tail = torch.tensor([[alt]], device=last.device)
            h = cache.run(backbone.embed(tail), torch.tensor([j + 1]))[:, -1]
            rest = greedy_decode(backbone, cache, h, eos_id, max_tokens - j - 1, start=j + 1)
            out = [*seq[:j], alt, *rest]
        if tuple(out) not in avoid:
            return out
    cache.crop(prompt_len)
    feed = list(greedy)[: max_tokens - 1]
    if feed:
        cache.run(backbone.embed(torch.tensor([feed], device=last.device)), torch.arange(1, len(feed) + 1))
    return list(greedy)


def _swaps(seq: Sequence[int], logits: torch.Tensor, swappable: Collection[int] | None) -> list[tuple[int, int]]:
    """(position, token) swaps to try, the smallest logit given up first: each position's runner-up, or with
    `swappable` every other swappable token at the first swappable position; ruled-out tokens (-inf) never."""
    if swappable is None:
        top2 = logits.topk(2, -1)
        margins = (top2.values[:, 0] - top2.values[:, 1]).tolist()
        order = sorted(range(len(seq)), key=margins.__getitem__)
        return [(j, int(top2.indices[j, 1])) for j in order if top2.values[j, 1] != float("-inf")]
    first = next((j for j, tok in enumerate(seq) if tok in swappable), None)
    if first is None:
        return []
    tok, out = seq[first], []
    for alt in sorted(set(swappable)):
        if alt != tok and logits[first, alt] != float("-inf"):
            out.append((float(logits[first, tok] - logits[first, alt]), alt))
    return [(first, alt) for _, alt in sorted(out)]
