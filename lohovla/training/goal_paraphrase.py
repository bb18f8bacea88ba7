"""Goal paraphrases: the training goals said in other words, so the planner reads a goal's words instead of
matching its whole string.

Why: every long-horizon training task has one goal sentence, so a tiny planner can learn "this string -> this
sub-task template" and nothing about the words. Faced with an unseen goal it then falls back on the most frequent
template: a third training stage wrote "... place it in the <color> bowl." for 235 of 246 sub-tasks of H, whose
scenes hold no bowl (docs/generalisation.md). Paraphrases give each task several wordings with the same sub-tasks.

Only the long-horizon training goals are rewritten (the primitives' goals are their sub-tasks' own words), and the
rewrites use only the tokenizer's template words (tokenizer.TEMPLATE_WORDS: no [UNK]), which tests check. The
unseen tasks' goals are never a rewrite's output. The choice is drawn from the training step's own generator
(batching.step_generator), so a run resumed from a checkpoint draws the same paraphrases.
"""

from __future__ import annotations

import functools
import re

#: (the goal's pattern, its rewrites; groups of the pattern fill {1}, {2}, ...)
REWRITES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(pattern), rewrites)
    for pattern, rewrites in (
        (
            r"put the blocks in the bowls with matching colors\.",
            ("put each block in the bowl of the same color.", "place the blocks into the bowls with matching colors."),
        ),
        (
            r"put the blocks in the (bowl|zone)s with mismatched colors\.",
            ("put each block in a {1} of other color.", "place the blocks into the {1}s with mismatched colors."),
        ),
        (
            r"put the blocks of an even number in the zone with the matching color\.",
            (
                "put the blocks of an even number in the zone of the same color.",
                "place the blocks of an even number into the zone with the matching color.",
            ),
        ),
        (
            r"stack all the (smaller|bigger) blocks over the (smaller|bigger) blocks of the same color( in the zone "
            r"with the same color)?\.",
            (
                "stack each {1} block on the {2} block of the same color{3}.",
                "put all the {1} blocks on the {2} blocks of the same color{3}.",
            ),
        ),
        (
            r"stack all the blocks (in|on) the (.+) (area|zone)\.",
            ("stack the blocks {1} the {2} {3}.", "put all the blocks {1} the {2} {3} into one tower."),
        ),
        (r"stack the blocks from (.+)\.", ("stack all the blocks from {1}.",)),
        (
            r"move all the (.+) blocks in the (.+) area to the (.+) area\.",
            (
                "move the {1} blocks from the {2} area to the {3} area.",
                "put all the {1} blocks in the {2} area into the {3} area.",
            ),
        ),
    )
)


@functools.cache  # a training set has a few dozen distinct goals, and every example asks
def rewrites(goal: str) -> tuple[str, ...]:
    """Every rewrite of `goal` (empty for a goal without one)."""
    for pattern, outs in REWRITES:
        m = pattern.fullmatch(goal)
        if m:
            groups = ["", *(g or "" for g in m.groups())]  # {1} is the first group
            return tuple(out.format(*groups) for out in outs)
    return ()


def paraphrase(goal: str, u: float, pick: int, rate: float) -> str:
    """`goal` itself with probability 1 - rate (u uniform in [0, 1)), else its `pick`-th rewrite (mod their count)."""
    outs = rewrites(goal) if u < rate else ()
    return outs[pick % len(outs)] if outs else goal
