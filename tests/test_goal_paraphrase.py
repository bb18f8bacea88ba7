"""Goal paraphrases: every long-horizon training goal has rewrites in the tokenizer's own words, no rewrite is an
unseen task's goal, and the collator draws them reproducibly from the step's generator (none when switched off)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _model_fixtures import micro_config, synthetic_store

import lohovla
from lohovla.envs.registration import resolve_tasks
from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.tokenizer import COLORS, TEMPLATE_WORDS, words
from lohovla.training.batching import Collator
from lohovla.training.goal_paraphrase import paraphrase, rewrites
from lohovla.training.samples import CAPTION_TASK


def goals(split_tasks: str, seeds: int = 2) -> dict[str, set[str]]:
    """task -> the goals its first train-split scenes draw."""
    out: dict[str, set[str]] = {}
    for task in resolve_tasks(split_tasks):
        env = lohovla.make_env(task, split="train", mode="fast")
        out[task] = {env.reset(seed=2 * s)[0]["goal"] for s in range(seeds)}
        env.close()
    return out


@pytest.fixture(scope="module")
def training_goals() -> dict[str, set[str]]:
    return {t: g for t, g in goals("training").items() if not t.startswith("pick-and-place-primitive")}


def test_every_long_horizon_training_goal_has_rewrites_in_template_words(training_goals) -> None:
    known = set(TEMPLATE_WORDS) | set(COLORS)
    for task, gs in training_goals.items():
        for goal in gs:
            outs = rewrites(goal)
            assert outs, f"{task}: no rewrite of {goal!r}"
            for out in outs:
                assert out != goal and set(words(out)) <= known, (task, out)


def test_no_rewrite_is_an_unseen_tasks_goal(training_goals) -> None:
    unseen = {g for gs in goals("unseen", seeds=4).values() for g in gs}
    made = {out for gs in training_goals.values() for g in gs for out in rewrites(g)}
    assert made and not made & unseen


def test_paraphrase_keeps_the_goal_at_rate_zero_and_goals_without_rewrites() -> None:
    goal = "put the blocks in the bowls with matching colors."
    assert paraphrase(goal, 0.3, 1, 0.0) == goal
    assert paraphrase(goal, 0.3, 1, 0.5) == rewrites(goal)[1]
    assert paraphrase("pick up the red block and place it on the blue bowl.", 0.0, 0, 1.0).startswith("pick up")


def test_collator_draws_paraphrases_from_the_step_generator_only_when_switched_on() -> None:
    store = synthetic_store(24)
    model = build_model(micro_config(), store.goal + store.text)
    idx = np.arange(24)
    plain = Collator(store, model.codec, True)(idx)
    gen = torch.Generator().manual_seed(5)
    off = Collator(store, model.codec, True)(idx, gen)
    assert off.goals == plain.goals and torch.rand(1, generator=gen).item() == pytest.approx(
        torch.rand(1, generator=torch.Generator().manual_seed(5)).item()
    )  # switched off: the generator is untouched
    on = Collator(store, model.codec, True, goal_paraphrase=1.0)
    first, again = on(idx, torch.Generator().manual_seed(5)), on(idx, torch.Generator().manual_seed(5))
    assert first.goals == again.goals  # the same step draws the same paraphrases (resume)
    decode = model.codec.decode
    for i, ids in enumerate(first.goals):
        goal = store.goal[i]
        if store.task[i] == CAPTION_TASK or not rewrites(goal):
            assert ids == plain.goals[i]
        else:
            assert decode(ids) in rewrites(goal)
