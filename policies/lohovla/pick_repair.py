"""The block a sub-task picks up must be one the scene shows: a pick colour seen standing above the table.

The colour bias (color_presence.py) lets a word through when the colour is anywhere, so "pick up the red block"
passes in a scene whose only red thing is a bowl, and the planner writes it for a pink or orange block it
confuses with red. Every task picks up blocks, and a block's top stands 4 cm or more above the table, where bowl
floors and zones lie flat (a bowl's 6 mm wall vanishes when the height mask is eroded like the colours). So after
decoding, a pick colour (the last colour word before "place") that no standing patch shows as its main colour
(probability `pick_prob`, stricter than the planner's bias: a white block's shaded edge can look gray) is
replaced by the likeliest colour that one does, and the rest of the sub-task is decoded greedily after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lohovla.policies.lohovla.ar_decoder import BlockCache, greedy_decode
from lohovla.policies.lohovla.backbone import head_logits
from lohovla.policies.lohovla.color_presence import erode
from lohovla.policies.lohovla.novel_plan import crop


def standing_colors(
    pixel_probs: torch.Tensor, height: torch.Tensor, min_height: float, min_prob: float, size: int = 3
) -> torch.Tensor:
    """(B, C) bool: colour seen (eroded probability >= min_prob) where a `size` x `size` patch stands at least
    `min_height` m high (a block's top; a bowl's wall, a pixel or two wide, does not)."""
    high = (height.to(pixel_probs.device) >= min_height).to(pixel_probs.dtype)[:, None]
    return (pixel_probs * erode(high, size)).flatten(2).max(-1).values >= min_prob


def pick_position(tokens: Sequence[int], color_ids: Sequence[int], place_id: int) -> int | None:
    """Index of the pick colour word in `tokens` (the last colour before "place"); None if it names none."""
    cut = list(tokens).index(place_id) if place_id in tokens else len(tokens)
    found = [j for j in range(cut) if tokens[j] in color_ids]
    return found[-1] if found else None


@torch.no_grad()
def repair_pick(
    cache: BlockCache,
    prompt_len: int,
    last: torch.Tensor,
    tokens: Sequence[int],
    standing: Sequence[int],
    color_ids: Sequence[int],
    place_id: int,
    eos_id: int,
    max_tokens: int,
    bias: torch.Tensor | None = None,
) -> list[int]:
    """`tokens` with its pick colour replaced by the likeliest of the `standing` colour tokens (batch 1, AR).

    Unchanged when the pick colour stands or no colour does. The cache holds [prompt | some of `tokens`] on entry
    and [prompt | the returned tokens, as AR feeds them] on exit.
    """
    j = pick_position(tokens, color_ids, place_id)
    if j is None or tokens[j] in standing or not standing:
        return list(tokens)
    backbone = cache.backbone
    crop(cache, prompt_len)
    state = last
    if j:
        state = cache.run(backbone.embed(torch.tensor([list(tokens[:j])], device=last.device)), torch.arange(1, j + 1))
        state = state[:, -1]
    logits = head_logits(backbone, state, bias)[0]
    allowed = torch.tensor(list(standing), device=logits.device)
    choice = int(allowed[logits[allowed].argmax()])
    h = cache.run(backbone.embed(torch.tensor([[choice]], device=last.device)), torch.tensor([j + 1]))[:, -1]
    return [*tokens[:j], choice, *greedy_decode(backbone, cache, h, eos_id, max_tokens - j - 1, bias, start=j + 1)]
