"""Scene questions: answers from the object list, every word in the fixed vocabulary, prepared and weighted as text."""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.policies.lohovla.tokenizer import TextCodec, build_tokenizer
from lohovla.training.samples import QUESTION_TASK
from lohovla.training.scene_questions import EVEN_QUESTION, MATCH_QUESTIONS, NONE, questions


def _obj(kind: str, color: str, x: float, y: float, label: str | None = None) -> dict:
    return {"kind": kind, "color": color, "label": label or f"{color} {kind}", "position": [x, y, 0.0]}


def test_match_and_even_answers_follow_the_objects_not_the_colour_names() -> None:
    scene = [
        _obj("block", "orange", 0.5, -0.3),
        _obj("bowl", "orange", 0.6, 0.2),
        _obj("block", "gray", 0.4, 0.1),  # no gray bowl: not listed
        _obj("block", "red", 0.3, 0.0, "smaller red block"),
        _obj("block", "red", 0.5, 0.3, "bigger red block"),
        _obj("bowl", "red", 0.7, -0.2),
    ]
    answers = dict(questions(scene))
    assert answers[MATCH_QUESTIONS["bowl"]] == "orange block, smaller red block, bigger red block."  # image order
    assert MATCH_QUESTIONS["zone"] not in answers  # no zone in the scene: not asked
    assert answers[EVEN_QUESTION] == "red."


def test_an_empty_answer_is_the_full_stop() -> None:
    answers = dict(questions([_obj("block", "pink", 0.5, 0.0), _obj("zone", "white", 0.4, 0.2)]))
    assert answers == {MATCH_QUESTIONS["zone"]: NONE, EVEN_QUESTION: NONE}


@pytest.mark.parametrize("text", [*MATCH_QUESTIONS.values(), EVEN_QUESTION, "smaller red block, orange block.", NONE])
def test_questions_and_answers_use_only_the_fixed_vocabulary(text: str) -> None:
    """A first-stage checkpoint's tokenizer (built without dataset words) must read every question without [UNK]."""
    codec = TextCodec(build_tokenizer())
    assert codec.unk_id not in codec.encode(text)
    assert codec.decode(codec.encode(text)) == text


def test_prepared_questions_are_cached_apart_and_drawn_as_one_task(tmp_path) -> None:
    from lohovla.data.collector import CollectConfig, collect
    from lohovla.training.batching import Mixture
    from lohovla.training.prepare import prepare_store
    from lohovla.training.settings import DataSettings

    root, cache = str(tmp_path / "demos"), str(tmp_path / "cache")
    collect(CollectConfig(out=root, episodes={"put-block-into-matching-bowl": 2}, workers=1, progress=False))
    plain = prepare_store(DataSettings(roots=[root], captions_per_task=1, cache=cache), progress=False)
    asked = prepare_store(DataSettings(roots=[root], captions_per_task=1, questions_per_task=2, cache=cache), False)
    assert QUESTION_TASK not in plain.task
    assert asked.task.count(QUESTION_TASK) == 4  # 2 scenes x (bowl match, even)
    assert len(asked) - len(plain) == 4  # the steps and captions are the same cached examples
    assert not asked.has_action[np.asarray(asked.task) == QUESTION_TASK].any()
    again = prepare_store(DataSettings(roots=[root], captions_per_task=1, questions_per_task=2, cache=cache), False)
    assert again.text == asked.text  # read back from the cache
    mix = Mixture.from_store(asked, {QUESTION_TASK: 2.0}).probs.numpy()
    task = np.asarray(asked.task)
    assert mix[task == QUESTION_TASK].sum() == pytest.approx(2 * mix[task == "caption"].sum())
