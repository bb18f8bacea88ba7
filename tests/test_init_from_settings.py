"""A run started from a checkpoint keeps that checkpoint's model config, except the text objective (how training
samples are drawn), which is the run's own; requested settings it ignores are named."""

from __future__ import annotations

from dataclasses import replace

from _model_fixtures import micro_config

from lohovla.training.trainer import continued_config, ignored_model_settings


def test_a_model_setting_the_checkpoint_overrides_is_named() -> None:
    loaded = micro_config()
    wider = replace(loaded.backbone, hidden_size=loaded.backbone.hidden_size * 2)
    requested = replace(loaded, backbone=wider)
    ignored = ignored_model_settings(requested, loaded)
    assert ignored == [f"backbone.hidden_size: {wider.hidden_size!r} ({loaded.backbone.hidden_size!r})"]
    assert continued_config(requested, loaded).backbone == loaded.backbone


def test_the_text_objective_comes_from_the_run_not_the_checkpoint() -> None:
    loaded = micro_config()
    text = replace(loaded.text, pad_blocks=not loaded.text.pad_blocks, first_ratio=(0.1, 0.9))
    requested = replace(loaded, text=text)
    kept = continued_config(requested, loaded)
    assert kept.text.pad_blocks is text.pad_blocks and kept.text.first_ratio == (0.1, 0.9)
    assert kept.text.max_subtask_tokens == loaded.text.max_subtask_tokens
    assert ignored_model_settings(requested, loaded) == []


def test_the_same_config_ignores_nothing() -> None:
    assert ignored_model_settings(micro_config(), micro_config()) == []


def test_a_fitted_detector_is_not_reported_as_ignored() -> None:
    """The fit writes the detector's settings after training; a further stage keeps them without a warning."""
    loaded = micro_config()
    loaded = replace(loaded, grounding=replace(loaded.grounding, colors=("red", "blue"), channels=8))
    requested = replace(micro_config(), grounding=replace(micro_config().grounding, colors=(), channels=32))
    assert ignored_model_settings(requested, loaded) == []
    assert continued_config(requested, loaded).grounding.colors == ("red", "blue")
