"""The shipped checkpoints are what the recipe (scripts/train_tiny.sh) builds: same architecture, same training
settings, same colour-detector fit. A checkpoint trained with another config would fail here before it ships."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hydra import compose, initialize_config_module

from lohovla.envs.registration import resolve_tasks
from lohovla.policies.lohovla.config import GroundingConfig, ModelConfig
from lohovla.policy_loading import SHIPPED_DIR
from lohovla.training.run import split_config
from lohovla.training.settings import TrainSettings

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "scripts" / "train_tiny.sh"
#: settings that say how a run was executed, not what it trains
RUNTIME = {"threads", "progress", "device", "resume", "precision", "prepare_only"}


def shipped_stages(name: str) -> list[str]:
    """The experiments whose runs the recipe ships as lohovla/checkpoints/<name> (directly, via its colour fit, or
    averaged by a soup: then one per run, in the soup's order)."""
    script = RECIPE.read_text().replace("\\\n", " ")
    copied = re.search(rf"cp -r (runs/[\w-]+)(?:/final)? lohovla/checkpoints/{name}\b", script)
    assert copied, f"the recipe never ships {name}"
    run = copied.group(1)
    fitted = re.search(rf"lohovla-fit-colors checkpoint=(runs/[\w-]+)(?:/final)? out={run}\b", script)
    run = fitted.group(1) if fitted else run
    souped = re.search(rf"lohovla\.training\.soup {run} ((?:runs/[\w-]+/final\s*)+)", script)
    runs = [r.removesuffix("/final") for r in souped.group(1).split()] if souped else [run]
    named = [p.stem for p in (ROOT / "configs" / "experiment").glob("*.yaml") if re.search(rf"\b{p.stem}\b", script)]
    outs = {recipe_config(experiment)["out"]: experiment for experiment in named}
    missing = [r for r in runs if r not in outs]
    assert not missing, f"no lohovla-train stage of the recipe writes {missing}"
    return [outs[r] for r in runs]


def recipe_config(experiment: str) -> dict[str, Any]:
    from omegaconf import OmegaConf

    with initialize_config_module(config_module="lohovla.configs", version_base="1.3"):
        cfg = compose(config_name="train", overrides=[f"experiment={experiment}"])
    return OmegaConf.to_container(cfg, resolve=True)


def fit_config() -> dict[str, Any]:
    from omegaconf import OmegaConf

    with initialize_config_module(config_module="lohovla.configs", version_base="1.3"):
        return OmegaConf.to_container(compose(config_name="fit_colors"), resolve=True)


def without(settings: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if k not in keys}


@pytest.mark.parametrize("name", ["lohovla-tiny", "vanilla-tiny"])
def test_the_shipped_checkpoint_is_what_the_recipe_trains(name: str) -> None:
    shipped = json.loads((SHIPPED_DIR / name / "config.json").read_text())
    stages = shipped_stages(name)
    model, _ = split_config(recipe_config(stages[0]))
    if "color_fit" in shipped:  # the fit writes the detector's settings into the grounding section
        fit = shipped["color_fit"]["settings"]
        model.grounding = GroundingConfig(tuple(fit["colors"]), fit["channels"], fit["erode"])
    # a model setting added after the run took its default, the behaviour the run had (as for training settings)
    recorded_model = ModelConfig.from_dict(shipped["model"]).to_dict()
    assert json.loads(json.dumps(recorded_model)) == json.loads(json.dumps(model.to_dict()))
    runs = [ingredient["training"] for ingredient in shipped["soup"]] if "soup" in shipped else [shipped["training"]]
    assert len(runs) == len(stages), f"{name} averages {len(runs)} runs, the recipe {len(stages)}"
    for trained, stage in zip(runs, stages):
        _, settings = split_config(recipe_config(stage))
        assert trained["step"] == settings.max_steps, stage
        # a setting added after the run took its default, which is the behaviour the run had (a new setting's
        # default must keep the old behaviour): the recipe must leave it there too
        recorded = TrainSettings.from_dict(trained["settings"]).to_dict()
        assert without(recorded, RUNTIME) == without(settings.to_dict(), RUNTIME), stage


def test_the_shipped_colour_detector_is_the_recipes_fit() -> None:
    shipped = json.loads((SHIPPED_DIR / "lohovla-tiny" / "config.json").read_text())["color_fit"]["settings"]
    recipe = fit_config()
    recipe["tasks"] = resolve_tasks(recipe["tasks"])
    same = set(recipe) - {"checkpoint", "out", "threads", "progress"}
    assert {k: shipped[k] for k in same} == {k: recipe[k] for k in same}
    assert "lohovla-fit-colors checkpoint=runs/" in RECIPE.read_text()
