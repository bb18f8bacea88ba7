"""A run started from a checkpoint keeps that checkpoint's model config: requested settings it ignores are named."""

from __future__ import annotations

from dataclasses import replace

from _model_fixtures import micro_config

from lohovla.training.trainer import ignored_model_settings


def test_a_model_setting_the_checkpoint_overrides_is_named() -> None:
    loaded = micro_config()
    requested = replace(loaded, text=replace(loaded.text, pad_blocks=not loaded.text.pad_blocks))
    ignored = ignored_model_settings(requested, loaded)
    assert ignored == [f"text.pad_blocks: {requested.text.pad_blocks!r} ({loaded.text.pad_blocks!r})"]


def test_the_same_config_ignores_nothing() -> None:
    assert ignored_model_settings(micro_config(), micro_config()) == []
