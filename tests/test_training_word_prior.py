"""Balanced softmax on colour words: per-task priors, and the training loss that uses them."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _model_fixtures import micro_config, synthetic_store

from lohovla.policies.lohovla.loading import build_model
from lohovla.training.batching import Collator
from lohovla.training.word_prior import word_prior_bias

COLOURS = ["red", "blue", "orange"]


def test_prior_is_zero_for_a_task_naming_every_colour_and_negative_for_unnamed_ones() -> None:
    store = synthetic_store(4)
    codec = build_model(micro_config(), sorted(set(store.text) | set(store.goal))).codec
    tasks = ["long"] * 3 + ["prim"] * 3
    texts = ["red block.", "blue block.", "red bowl."] + ["red block.", "blue block.", "orange block."]
    bias = word_prior_bias(tasks, texts, codec, COLOURS)
    red, blue, orange = (codec.encode(c)[0] for c in COLOURS)
    assert bias["prim"][[red, blue, orange]] == pytest.approx([0.0, 0.0, 0.0])
    assert bias["long"][red] == pytest.approx(0.0)  # the most named colour
    assert bias["long"][orange] == pytest.approx(np.log(1 / 3))  # smoothed: (0 + 1) / (2 + 1)
    assert bias["long"][blue] == pytest.approx(np.log(2 / 3))
    others = np.delete(bias["long"], [red, blue, orange])
    assert not others.any()


def test_unknown_balanced_word_is_refused() -> None:
    store = synthetic_store(4)
    codec = build_model(micro_config(), sorted(set(store.text))).codec
    with pytest.raises(ValueError, match="not one token"):
        word_prior_bias(["t"], ["red block."], codec, ["magenta"])


def test_bias_enters_the_text_loss_only() -> None:
    store = synthetic_store(16)
    model = build_model(micro_config(), sorted(set(store.text) | set(store.goal)))
    idx = np.arange(8)
    plain = Collator(store, model.codec, True)(idx)
    red = np.arange(model.codec.vocab_size) == model.codec.encode("red")[0]
    big = {t: np.where(red, -20.0, 0.0).astype(np.float32) for t in set(store.task)}
    biased = Collator(store, model.codec, True, text_bias=big)(idx)
    assert biased.text_bias.shape == (8, model.codec.vocab_size)
    torch.manual_seed(0)
    a = model(plain, torch.Generator().manual_seed(1))
    b = model(biased, torch.Generator().manual_seed(1))
    assert b["text"].item() > a["text"].item()  # "red" targets made unlikely: higher loss
    assert b["map"].item() == pytest.approx(a["map"].item())
