"""`distractor_colors="split"`: training scenes whose distractors come from the split's own colours.

The option exists to take the colour-name shortcut out of training data (Task.distractor_palette); it must reach
every task that draws distractors from all 11 colours, and it must never change a val or test scene.
"""

from __future__ import annotations

import pytest

from lohovla.envs.env import LoHoRavensEnv
from lohovla.envs.spec import long_horizon_colors

# The training tasks whose distractors LoHoRavens draws from all 11 colours (B, C and the LoHoSet extras like them).
TASKS = [
    "put-block-into-matching-bowl",
    "stack-smaller-over-bigger-with-same-color",
    "put-blocks-in-pyramid-into-matching-bowls",
    "put-blocks-in-three-layer-towers-into-matching-bowls",
    "put-hidden-blocks-in-two-layer-towers-into-matching-bowls",
    "stack-bigger-over-smaller-with-same-color-in-same-color-zone",
]
SEEDS = range(0, 24, 2)


def scene_colors(task: str, **env_options: str) -> list[set[str]]:
    env = LoHoRavensEnv(task, split="train", **env_options)
    try:
        out = []
        for seed in SEEDS:
            env.reset(seed=seed)
            out.append({o.color for o in env.world.objects if getattr(o, "color", None)})
        return out
    finally:
        env.close()


@pytest.mark.parametrize("task", TASKS)
def test_split_distractors_keep_to_the_split_colours(task):
    train = set(long_horizon_colors("train"))
    everything = scene_colors(task, distractor_colors="all")
    assert any(colors - train for colors in everything), "LoHoRavens' scenes should show a non-train colour"
    assert all(colors <= train for colors in scene_colors(task, distractor_colors="split"))


def test_default_is_lohoravens():
    """Without the option a train scene keeps LoHoRavens' distractors, non-train colours included."""
    train = set(long_horizon_colors("train"))
    default = scene_colors("put-block-into-matching-bowl")
    assert default == scene_colors("put-block-into-matching-bowl", distractor_colors="all")
    assert all(colors - train for colors in default)  # B's train scenes always hold an EVAL-only distractor


@pytest.mark.parametrize("split", ["val", "test"])
def test_evaluation_scenes_refuse_the_option(split):
    with pytest.raises(ValueError, match="training data"):
        LoHoRavensEnv("put-block-into-matching-bowl", split=split, distractor_colors="split")


def test_unknown_value_is_refused():
    with pytest.raises(ValueError, match="unknown distractor_colors"):
        LoHoRavensEnv("put-block-into-matching-bowl", split="train", distractor_colors="eval")
