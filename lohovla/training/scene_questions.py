"""Scene questions: text targets about relations between a scene's objects, answered from the simulator's list.

Why: the long-horizon training scenes give the roles to TRAIN colours (the block whose bowl is there, the colour
with an even count) and most distractors come in EVAL colours; val and test scenes swap the two (B: every one of
187 EVAL-only blocks in 100 train scenes is a distractor, every one of 309 in 100 val scenes a target). A planner
can then learn "orange means distractor" instead of "a block whose bowl is there". The primitives' scenes use all
11 colours, so the same questions asked there teach the relation apart from the colour names. Questions use the
words of the fixed vocabulary (tokenizer.py) only, so a first-stage checkpoint's tokenizer reads them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from lohovla.training.samples import QUESTION_TASK, SampleStore, StoreBuilder
from lohovla.training.sources import ordered_objects

#: "which blocks have an object of their colour of this kind", per kind of place
MATCH_QUESTIONS = {
    "bowl": "describe the blocks with a bowl of the same color.",
    "zone": "describe the blocks with a zone of the same color.",
}
EVEN_QUESTION = "describe the colors of an even number of blocks."
NONE = "."  # the answer when no object fits (the vocabulary has no "none")


def questions(objects: Sequence[dict]) -> list[tuple[str, str]]:
    """(question, answer) pairs for one scene: the match question of each place kind it holds, and the even one."""
    items = ordered_objects(objects)
    blocks = [o for o in items if o["kind"] == "block"]
    pairs = []
    for kind, question in MATCH_QUESTIONS.items():
        colors = {o["color"] for o in items if o["kind"] == kind}
        if colors:
            names = [_name(o) for o in blocks if o["color"] in colors]
            pairs.append((question, _listing(names)))
    counts = Counter(o["color"] for o in blocks)
    even = list(dict.fromkeys(o["color"] for o in blocks if counts[o["color"]] % 2 == 0))
    pairs.append((EVEN_QUESTION, _listing(even)))
    return pairs


def _name(obj: dict) -> str:
    return obj.get("label") or f"{obj['color']} {obj['kind']}"


def _listing(names: list[str]) -> str:
    return ", ".join(names) + "." if names else NONE


def episode_starts(root: str | Path) -> list[tuple[str, str, int]]:
    """(task, split, seed) of every episode of a LoHoSet dataset, from its episode table alone (no images read)."""
    import pandas as pd

    table = pd.read_parquet(Path(root) / "meta" / "episodes.parquet", columns=["task", "split", "seed"])
    return [(str(t), str(s), int(seed)) for t, s, seed in table.itertuples(index=False)]


def questions_for(starts: Sequence[tuple[str, str, int]], progress: bool = True) -> SampleStore:
    """Question examples (no action) for scenes rebuilt from (task, split, seed) in the simulator."""
    import lohovla

    builder, envs = StoreBuilder(), {}
    for task, split, seed in tqdm(starts, desc="scene questions", disable=not progress, mininterval=10):
        if (task, split) not in envs:
            envs[(task, split)] = lohovla.make_env(task, split=split)
        obs, info = envs[(task, split)].reset(seed=seed)
        for question, answer in questions(info["objects"]):
            builder.add(obs["color"], obs["height"], question, answer, QUESTION_TASK, -1, None)
    for env in envs.values():
        env.close()
    return builder.build({"questions": len(starts)})
