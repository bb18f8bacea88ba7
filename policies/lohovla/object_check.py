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
greedy rest, until one passes (at most `tries`) that is not a sub-task to avoid. With `kinds` on, when none passes,
each of those re-decodings is decoded again from its place's preposition with another one ("on" for "in"): the
kind of thing it names ("in the red bowl", "on the red block") hangs on that word, and a planner that learned one
task's kind for a scene that has none of it ("place it in the blue bowl." among blocks only) is wrong there, not
in its colours. None passes: the likeliest standing pick colour's sub-task stands.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

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
    kinds: bool = False,
) -> tuple[list[int], bool]:
    """`tokens` if the objects they name are seen, else a re-decoding from the pick colour (batch 1, AR), or with
    `kinds` from the place's preposition, that is not one of the sub-tasks to `avoid` (what novel_plan.py steered
    away from: a re-decoding must not bring it back).

    The cache holds [prompt | some of `tokens`] on entry and [prompt | some of the returned tokens, as AR feeds
    them] on exit; `last` (1, H) is the prompt's last hidden state. The flag says the preposition was changed.
    """
    j = parse(tokens, scene.words).pick_at
    if scene.passes(tokens) or j is None or not scene.standing:
        return list(tokens), False
    again = partial(_decode_from, cache, prompt_len, last, eos_id=eos_id, max_tokens=max_tokens, tries=tries)
    tried = []
    for out in again(tokens, j, scene.standing):
        if tuple(out) in avoid:
            continue
        if scene.passes(out):
            return out, False
        tried.append(out)
    for base in tried if kinds else []:
        k = parse(base, scene.words).preposition_at
        others = set(scene.words.prepositions) - {base[k]} if k is not None else set()
        if not others:  # no preposition to change (nor a prefix to run for it)
            continue
        for out in again(base, k, others):
            if tuple(out) not in avoid and scene.passes(out):
                return out, True
    if not tried:  # every re-decoding is one to avoid: the tokens stand (none of them cached)
        cache.crop(prompt_len)
        return list(tokens), False
    return next(again(tokens, j, [tried[0][j]])), False  # none passes: the likeliest standing pick colour, again


def _decode_from(
    cache: BlockCache,
    prompt_len: int,
    last: torch.Tensor,
    tokens: Sequence[int],
    at: int,
    choices: Collection[int],
    eos_id: int,
    max_tokens: int,
    tries: int,
) -> Iterator[list[int]]:
    """`tokens[:at]`, then each of `choices` likeliest first under the planner (at most `tries`), then AR's greedy
    rest. After each is yielded the cache holds [prompt | it, as AR feeds it]."""
    backbone = cache.head  # the backbone, or its colour-reading stand-in
    cache.crop(prompt_len)
    state = last
    if at:
        prefix = torch.tensor([list(tokens[:at])], device=last.device)
        state = cache.run(backbone.embed(prefix), torch.arange(1, at + 1))[:, -1]
    logits = backbone.logits(state)[0]
    for token in sorted(choices, key=lambda t: -float(logits[t]))[:tries]:
        cache.crop(prompt_len + at)
        h = cache.run(backbone.embed(torch.tensor([[token]], device=last.device)), torch.tensor([at + 1]))[:, -1]
        yield [*tokens[:at], token, *greedy_decode(backbone, cache, h, eos_id, max_tokens - at - 1, start=at + 1)]
