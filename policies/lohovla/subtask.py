"""The one parser of a sub-task's tokens: the only code that knows the sentence template.

    "pick up the [smaller|bigger] {colour} block and place it {in|on} the [smaller|bigger] {colour} {block|bowl|zone}."

The pick's words are the last colour (size) word before "place", the place's the first after it; the place's kind
is the noun right after its colour, and its preposition ("in", "on") the first after "place". A text without one
(a place "in the top left area" has no colour) leaves that field None. The task words and the block sizes live
here too (the sizes from `lohovla.envs.spec`), so no other module of the policy spells them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK

PLACE, BLOCK, BOWL, ZONE = "place", "block", "bowl", "zone"
FLAT_KINDS = (BOWL, ZONE)  # place nouns that lie flat on the table; a block stands
SIZE_WORDS = ("smaller", "bigger")
PREPOSITIONS = ("in", "on")  # the place phrase's first word
BLOCK_SIZES = (SMALL_BLOCK, BIG_BLOCK)  # metres, in the order of SIZE_WORDS


class Vocabulary(Protocol):
    def color_token_ids(self) -> list[int]: ...

    def word_id(self, word: str) -> int: ...


@dataclass(frozen=True)
class Words:
    """The token ids of the template's words for one model's vocabulary."""

    colors: tuple[int, ...]
    sizes: tuple[int, ...]
    place: int
    block: int
    kinds: dict[int, str]  # noun token -> "block" | "bowl" | "zone"
    prepositions: tuple[int, ...] = ()  # PREPOSITIONS' tokens

    @classmethod
    def of(cls, model: Vocabulary) -> Words:
        kinds = {model.word_id(w): w for w in (BLOCK, *FLAT_KINDS)}
        sizes = tuple(model.word_id(w) for w in SIZE_WORDS)
        preps = tuple(model.word_id(w) for w in PREPOSITIONS)
        return cls(tuple(model.color_token_ids()), sizes, model.word_id(PLACE), model.word_id(BLOCK), kinds, preps)


@dataclass(frozen=True)
class Subtask:
    """What a sub-task names. Colours and sizes are indices (into the detector's colours, into SIZE_WORDS)."""

    tokens: tuple[int, ...]
    pick_color: int | None = None
    place_color: int | None = None
    pick_size: int | None = None
    place_size: int | None = None
    place_kind: str | None = None  # "block", "bowl", "zone"; None: no place colour, or another noun after it
    pick_at: int | None = None  # token position of the pick's colour word (where a re-decoding swaps it)
    place_at: int | None = None  # token position of the place's colour word
    preposition_at: int | None = None  # token position of the place's preposition (where its kind can change)


def place_cut(tokens: Sequence[int], place_id: int) -> int:
    """Where the place half starts: the position of "place" (the pick's words come before it), else the length."""
    return list(tokens).index(place_id) if place_id in tokens else len(tokens)


def word_positions(tokens: Sequence[int], ids: Sequence[int], place_id: int) -> tuple[int | None, int | None]:
    """Positions of the pick's word among `ids` (the last before "place") and of the place's (the first after)."""
    cut = place_cut(tokens, place_id)
    before = [j for j in range(cut) if tokens[j] in ids]
    after = [j for j in range(cut, len(tokens)) if tokens[j] in ids]
    return (before[-1] if before else None), (after[0] if after else None)


def parse(tokens: Sequence[int], words: Words) -> Subtask:
    """The structured value of a sub-task's tokens (or of a goal's, for the vanilla model)."""
    tokens = tuple(tokens)
    pick_at, place_at = word_positions(tokens, words.colors, words.place)
    pick_s, place_s = word_positions(tokens, words.sizes, words.place)
    kind = None
    if place_at is not None and place_at + 1 < len(tokens):
        kind = words.kinds.get(tokens[place_at + 1])
    cut = place_cut(tokens, words.place)
    preposition_at = next((j for j in range(cut, len(tokens)) if tokens[j] in words.prepositions), None)
    return Subtask(
        tokens,
        None if pick_at is None else words.colors.index(tokens[pick_at]),
        None if place_at is None else words.colors.index(tokens[place_at]),
        None if pick_s is None else words.sizes.index(tokens[pick_s]),
        None if place_s is None else words.sizes.index(tokens[place_s]),
        kind,
        pick_at,
        place_at,
        preposition_at,
    )
