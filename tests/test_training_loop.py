"""Trainer: a few steps on a tiny dataset, resume after a kill continues the same loss curve, hydra config."""

from __future__ import annotations

import json

import numpy as np
import torch
from _model_fixtures import micro_config, synthetic_store

from lohovla.policies.lohovla.loading import save_checkpoint
from lohovla.training.batching import Mixture, step_generator
from lohovla.training.samples import SampleStore
from lohovla.training.settings import TrainSettings
from lohovla.training.trainer import Trainer, lr_lambda


def _settings(out, **kw) -> TrainSettings:
    base = dict(
        out=str(out), batch_size=6, max_steps=6, warmup_steps=2, save_every=100, log_every=1, progress=False, lr=3e-3
    )
    return TrainSettings.from_dict({**base, **kw})


def _curve(history) -> list[float]:
    return [h["loss"] for h in history]


def test_resume_after_kill_continues_the_same_loss_curve(tmp_path) -> None:
    store = synthetic_store(24)
    full = Trainer(_settings(tmp_path / "a"), micro_config(), store).train()
    first = Trainer(_settings(tmp_path / "b"), micro_config(), store).train(until=3)  # "killed" after step 3
    assert (tmp_path / "b" / "latest").read_text().strip() == "checkpoints/step_0000003"
    resumed = Trainer(_settings(tmp_path / "b"), micro_config(), store)  # a fresh process would do the same
    assert resumed.step == 3
    rest = resumed.train()
    assert _curve(first + rest) == _curve(full)
    assert [h["step"] for h in first + rest] == list(range(1, 7))
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert steps == list(range(1, 7))
    assert all(np.isfinite(_curve(full)))


def test_stage_settings_switch_objectives(tmp_path) -> None:
    store = synthetic_store(16)
    text_only = Trainer(_settings(tmp_path / "t", action=False, max_steps=2), micro_config(), store).train()
    assert all(h["map"] == 0.0 and h["flow"] == 0.0 and h["text"] > 0 for h in text_only)
    padded = micro_config()
    padded.text.pad_blocks = not padded.text.pad_blocks  # a stage-2 objective setting the checkpoint lacks
    tr = Trainer(
        _settings(tmp_path / "s2", max_steps=1, init_from=str(tmp_path / "t" / "checkpoints" / "step_0000002")),
        padded,
        store,
    )
    assert tr.step == 0  # weights from stage 1, a fresh optimizer and schedule
    tr.train()
    saved = json.loads((tmp_path / "s2" / "checkpoints" / "step_0000001" / "config.json").read_text())
    assert saved["model"]["text"]["pad_blocks"] is padded.text.pad_blocks


def test_data_order_is_a_function_of_seed_and_step() -> None:
    store = synthetic_store(24)
    mix = Mixture.from_store(store, {"caption": 0.0})
    a = mix.draw(16, step_generator(0, 5))
    assert np.array_equal(a, mix.draw(16, step_generator(0, 5)))
    assert not np.array_equal(a, mix.draw(16, step_generator(0, 6)))
    assert all(store.task[i] != "caption" for i in a)


def test_warmup_then_cosine() -> None:
    f = lr_lambda(10, 110, 0.1)
    assert f(0) == 0.1 and f(9) == 1.0 and abs(f(60) - 0.55) < 1e-9 and abs(f(110) - 0.1) < 1e-9


def test_hydra_config_composes_into_settings() -> None:
    from hydra import compose, initialize_config_module

    from lohovla.cli.common import to_dict
    from lohovla.training.run import split_config

    with initialize_config_module(version_base="1.3", config_module="lohovla.configs"):
        for overrides in (
            ["experiment=smoke"],
            ["train=stage1"],
            ["train=stage2", "init_from=x"],
            ["experiment=vanilla_tiny"],
        ):
            model, settings = split_config(to_dict(compose("train", overrides=overrides)))
            assert settings.max_steps > 0 and model.backbone.num_layers >= 1
    assert split_config(to_dict(compose_vanilla()))[0].text.use_subtask is False


def compose_vanilla():
    from hydra import compose, initialize_config_module

    with initialize_config_module(version_base="1.3", config_module="lohovla.configs"):
        return compose("train", overrides=["experiment=vanilla_tiny"])


def test_threads_setting_is_applied(tmp_path) -> None:
    before = torch.get_num_threads()
    Trainer(_settings(tmp_path / "x", threads=1, max_steps=1), micro_config(), synthetic_store(8))
    assert torch.get_num_threads() == 1
    torch.set_num_threads(before)


def test_prepare_only_builds_the_shared_cache_and_trains_nothing(tmp_path) -> None:
    from lohovla.data.collector import CollectConfig, collect
    from lohovla.training.run import run_training

    root = tmp_path / "demos"
    collect(CollectConfig(out=str(root), episodes={"task-a": 3}, source="synthetic", workers=1, progress=False))
    cfg = {
        "model": micro_config().to_dict(),
        **_settings(tmp_path / "run").to_dict(),
        "prepare_only": True,
        "data": {"roots": [str(root)], "captions_per_task": 0, "cache": str(tmp_path / "cache")},
    }
    assert run_training(cfg) == tmp_path / "cache"
    caches = list((tmp_path / "cache").glob("demos-*.npz"))
    assert len(caches) == 1 and not (tmp_path / "run").exists()
    assert len(SampleStore.load(caches[0])) > 0


def test_further_training_leaves_a_fitted_colour_detector_alone(tmp_path) -> None:
    """The detector reads pixels and is fitted on its own (lohovla-fit-colors): training must not decay it."""
    from lohovla.policies.lohovla.color_presence import ColorPresence
    from lohovla.policies.lohovla.config import GroundingConfig
    from lohovla.policies.lohovla.loading import build_model

    torch.manual_seed(0)
    model = build_model(micro_config())
    model.cfg.grounding = GroundingConfig(colors=("red", "blue"), channels=4)
    model.presence = ColorPresence(("red", "blue"), 4)
    save_checkpoint(model, str(tmp_path / "g"))
    before = {k: v.clone() for k, v in model.presence.state_dict().items()}
    trainer = Trainer(
        _settings(tmp_path / "t", max_steps=3, init_from=str(tmp_path / "g")), micro_config(), synthetic_store(12)
    )
    in_optimizer = {id(p) for group in trainer.opt.param_groups for p in group["params"]}
    assert not any(id(p) in in_optimizer for p in trainer.model.presence.parameters())  # no weight decay either
    trainer.train()
    assert trainer.model.cfg.grounding.colors == ("red", "blue")
    after = trainer.model.presence.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_only_the_caption_roots_get_scene_captions(tmp_path) -> None:
    """Closed-loop data starts from the demonstrations' scenes: captioning both roots would repeat them."""
    from lohovla.data.collector import CollectConfig, collect
    from lohovla.training.prepare import prepare_store
    from lohovla.training.settings import DataSettings

    task = "pick-and-place-primitive"
    roots = [str(tmp_path / "demos"), str(tmp_path / "closed")]
    for root in roots:
        collect(CollectConfig(out=root, episodes={task: 2}, workers=1, progress=False))
    both = prepare_store(DataSettings(roots=roots, captions_per_task=2), progress=False)
    first = prepare_store(DataSettings(roots=roots, captions_per_task=2, caption_roots=roots[:1]), progress=False)
    assert both.task.count("caption") == 4 and first.task.count("caption") == 2
    assert len(both) - len(first) == 2
