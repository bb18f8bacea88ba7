"""The one sub-task parser: pick and place words split at "place", the place's kind is the noun after its colour."""

from __future__ import annotations

from lohovla.policies.lohovla.subtask import Words, parse, word_positions

# token ids: colours 10-12, sizes 38/39, place 5, block 20, bowl 21, zone 22
WORDS = Words((10, 11, 12), (38, 39), 5, 20, {20: "block", 21: "bowl", 22: "zone"})


def test_word_positions_split_at_place() -> None:
    assert word_positions([1, 10, 2, 11, 5, 12, 13], [10, 11, 12], 5) == (3, 5)
    assert word_positions([1, 2, 5, 12], [10, 11, 12], 5) == (None, 3)
    assert word_positions([1, 10, 5, 2], [10, 11, 12], 5) == (1, None)


def test_parse_names_colours_sizes_and_kind() -> None:
    sub = parse([1, 38, 12, 20, 5, 4, 39, 11, 21, 6], WORDS)  # "... smaller green block ... place ... bigger blue bowl"
    assert (sub.pick_color, sub.place_color, sub.pick_size, sub.place_size) == (2, 1, 0, 1)
    assert sub.place_kind == "bowl" and (sub.pick_at, sub.place_at) == (2, 7)
    on_block = parse([1, 10, 20, 5, 4, 11, 20], WORDS)
    assert on_block.place_kind == "block" and on_block.pick_size is None


def test_parse_without_a_place_colour_or_kind() -> None:
    area = parse([1, 12, 20, 5, 4, 6], WORDS)  # "... place it in the top left area"
    assert area.pick_color == 2 and area.place_color is None and area.place_kind is None
    last_word = parse([1, 10, 5, 11], WORDS)  # the place colour is the last token: no kind
    assert last_word.place_color == 1 and last_word.place_kind is None
    assert parse([1, 2, 3], WORDS).pick_color is None
