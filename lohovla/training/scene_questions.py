"""Scene questions: text targets about relations between a scene's objects, answered from the simulator's list.

Why: the long-horizon training scenes give the roles to TRAIN colours (the block whose bowl is there, the colour
with an even count) and most distractors come in EVAL colours; val and test scenes swap the two
(`python -m benchmarks.color_roles`: in 200 train scenes of B all 388 EVAL-only blocks are distractors, in 200 val
scenes 623 of 682 are targets). A planner can then learn "orange means distractor" instead of "a block whose bowl
is there". The primitives' scenes use all 11 colours, so the same questions asked there teach the relation apart
from the colour names. Questions use the words of the fixed vocabulary (tokenizer.py) only, so a first-stage
checkpoint's tokenizer reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from lohovla.training.samples import QUESTION_TASK, SampleStore
from lohovla.training.sources import object_name, ordered_objects, scene_texts

#: "which blocks have an object of their colour of this kind", per kind of place
MATCH_QUESTIONS = {
    "bowl": "describe the blocks with a bowl of the same color.",
    "zone": "describe the blocks with a zone of the same color.",
}
EVEN_QUESTION = "describe the colors of an even number of blocks."
NONE = "."  # the answer when no object fits (the vocabulary has no "none")


def matched_blocks(objects: Sequence[dict], kind: str) -> list[dict]:
    """The blocks, in image order, with an object of `kind` (bowl, zone) of their colour in the scene."""
    items = ordered_objects(objects)
    colors = {o["color"] for o in items if o["kind"] == kind}
    return [o for o in items if o["kind"] == "block" and o["color"] in colors]


def even_colors(objects: Sequence[dict]) -> list[str]:
    """The colours with an even number of blocks, in the image order of their first block."""
    blocks = [o for o in ordered_objects(objects) if o["kind"] == "block"]
    counts = Counter(o["color"] for o in blocks)
    return list(dict.fromkeys(o["color"] for o in blocks if counts[o["color"]] % 2 == 0))


def questions(objects: Sequence[dict]) -> list[tuple[str, str]]:
    """(question, answer) pairs for one scene: the match question of each place kind it holds, and the even one."""
    kinds = {o["kind"] for o in objects}
    pairs = [
        (question, _listing([object_name(o) for o in matched_blocks(objects, kind)]))
        for kind, question in MATCH_QUESTIONS.items()
        if kind in kinds
    ]
    return [*pairs, (EVEN_QUESTION, _listing(even_colors(objects)))]


def _listing(names: list[str]) -> str:
    return ", ".join(names) + "." if names else NONE


def episode_starts(root: str | Path) -> list[tuple[str, str, int]]:
    """(task, split, seed) of every episode of a LoHoSet dataset, from its episode table alone (no images read)."""
    import pandas as pd

    from lohovla.data.layout import Layout

    table = pd.read_parquet(Layout(root).episodes, columns=["task", "split", "seed"])
    return [(str(t), str(s), int(seed)) for t, s, seed in table.itertuples(index=False)]


def questions_for(starts: Sequence[tuple[str, str, int]], progress: bool = True) -> SampleStore:
    """Question examples (no action) for scenes rebuilt from (task, split, seed) in the simulator."""
    return scene_texts(starts, questions, QUESTION_TASK, progress)
