"""The objects a sub-task names must be in the scene: the pick colour on a standing block, the place colour on
the kind of thing it names (a bowl or zone lies flat, a block stands).

The planner may name a colour the scene does not hold at all, or one it holds on the wrong kind of thing: "pick up
the red block" where the only red thing is a bowl (written for a pink or orange block it confuses with red), or
"place it in the green bowl" where green is only a block. Every task picks up blocks; a block's top stands 4 cm or
more above the table, where bowl floors and zones lie flat (a bowl's 6 mm wall vanishes when the height mask is
eroded like the colours). A colour counts where it is the main colour (eroded probability `object_prob`, 0.5: a
white block's shaded edge can look gray at lower ones) of a patch of that kind.

After decoding, a sub-task whose pick or place fails this is decoded again from its pick colour word (the last
colour before "place"): the colours seen standing, likeliest first under the planner, each followed by AR's
greedy rest, until one passes (at most `tries`) that is not a sub-task to avoid. None does: the likeliest
standing pick colour's sub-task stands.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import torch

from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.morphology import erode
from lohovla.policies.lohovla.subtask import BLOCK, FLAT_KINDS, Words, parse


@dataclass(frozen=True)
class SceneObjects:
    """Token ids of the colours seen standing and lying flat, and the template's words (subtask.py)."""

    standing: frozenset[int]
    flat: frozenset[int]
    words: Words

    def passes(self, tokens: Sequence[int]) -> bool:
        sub = parse(tokens, self.words)
        if sub.pick_at is not None and tokens[sub.pick_at] not in self.standing:
            return False
        seen = self.standing if sub.place_kind == BLOCK else self.flat if sub.place_kind in FLAT_KINDS else None
        return seen is None or tokens[sub.place_at] in seen


def seen_colors(
    pixel_probs: torch.Tensor, height: torch.Tensor, min_height: float, min_prob: float, size: int = 3
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, C) bool twice: colour seen as the main colour of a `size` x `size` patch standing at least `min_height`
    m high (a block's top; a bowl's wall, a pixel or two wide, is not a patch), and of one lying lower."""
    high = (height.to(pixel_probs.device) >= min_height).to(pixel_probs.dtype)[:, None]

    def seen(mask: torch.Tensor) -> torch.Tensor:
        return (pixel_probs * erode(mask, size)).flatten(2).max(-1).values >= min_prob

    return seen(high), seen(1 - high)


@torch.no_grad()
def check_objects(
    cache: BlockCache,
    prompt_len: int,
    last: torch.Tensor,
    tokens: Sequence[int],
    scene: SceneObjects,
    eos_id: int,
    max_tokens: int,
    tries: int = 4,
    avoid: Collection[tuple[int, ...]] = (),
) -> list[int]:
    """`tokens` if the objects they name are seen, else a re-decoding from the pick colour (batch 1, AR) that is
    not one of the sub-tasks to `avoid` (what novel_plan.py steered away from: a re-decoding must not bring it back).

    The cache holds [prompt | some of `tokens`] on entry and [prompt | some of the returned tokens, as AR feeds
    them] on exit; `last` (1, H) is the prompt's last hidden state.
    """
    j = parse(tokens, scene.words).pick_at
    if scene.passes(tokens) or j is None or not scene.standing:
        return list(tokens)
    backbone = cache.head  # the backbone, or its colour-reading stand-in
    cache.crop(prompt_len)
    state = last
    if j:
        prefix = torch.tensor([list(tokens[:j])], device=last.device)
        state = cache.run(backbone.embed(prefix), torch.arange(1, j + 1))[:, -1]
    logits = backbone.logits(state)[0]
    ranked = sorted(scene.standing, key=lambda t: -float(logits[t]))[:tries]
    first = None
    for colour in ranked:
        cache.crop(prompt_len + j)
        h = cache.run(backbone.embed(torch.tensor([[colour]], device=last.device)), torch.tensor([j + 1]))[:, -1]
        rest = greedy_decode(backbone, cache, h, eos_id, max_tokens - j - 1, start=j + 1)
        out = [*tokens[:j], colour, *rest]
        if tuple(out) in avoid:
            continue
        if scene.passes(out):
            return out
        first = first or out
    if first is None:  # every re-decoding is one to avoid: the tokens stand (none of them cached)
        cache.crop(prompt_len)
        return list(tokens)
    cache.crop(prompt_len + j)  # none passes: the likeliest standing pick colour, decoded again
    h = cache.run(backbone.embed(torch.tensor([[first[j]]], device=last.device)), torch.tensor([j + 1]))[:, -1]
    return [*tokens[:j], first[j], *greedy_decode(backbone, cache, h, eos_id, max_tokens - j - 1, start=j + 1)]
