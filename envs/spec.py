"""Facts of the LoHoRavens benchmark: workspace, heightmap grid, colours and seed splits.

These are properties of the benchmark itself (see LOHORAVENS.md), not tunables, so they live in
one place here; what a user may tune (image size, camera set, noise, mode) comes from configs.
"""

from __future__ import annotations

import numpy as np

#: Workspace bounds in metres, rows x/y/z, columns min/max.
BOUNDS = np.array([[0.25, 0.75], [-0.5, 0.5], [0.0, 0.3]], dtype=np.float64)
#: Policies may command z up to this height.
MAX_ACTION_Z = 0.28
#: Heightmap pixel size in metres; 320 rows (y) x 160 columns (x).
PIXEL_SIZE = 0.003125
IMAGE_SHAPE = (320, 160)

SMALL_BLOCK = 0.04
BIG_BLOCK = 0.06
BOWL_DIAMETER = 0.12
ZONE_SIZE = 0.15
PRIMITIVE_ZONE_SIZE = 0.10

#: RGB in [0, 1] for the eleven colours.
COLORS: dict[str, tuple[float, float, float]] = {
    "blue": (0.306, 0.475, 0.655),
    "red": (0.882, 0.341, 0.349),
    "green": (0.349, 0.631, 0.310),
    "orange": (0.949, 0.557, 0.169),
    "yellow": (0.929, 0.788, 0.282),
    "purple": (0.690, 0.478, 0.631),
    "pink": (1.000, 0.616, 0.655),
    "cyan": (0.463, 0.718, 0.698),
    "brown": (0.612, 0.459, 0.373),
    "white": (0.950, 0.950, 0.950),
    "gray": (0.729, 0.690, 0.675),
}
TRAIN_COLORS = ("blue", "red", "green", "yellow", "brown", "gray", "cyan")
EVAL_COLORS = ("blue", "red", "green", "orange", "purple", "pink", "white")
ALL_COLORS = tuple(COLORS)

SPLITS = ("train", "val", "test")
#: First seed and stride of each split: train even from 0, val odd from 1, test odd from 10001.
SPLIT_SEEDS = {"train": (0, 2), "val": (1, 2), "test": (10001, 2)}


def split_seed(split: str, index: int) -> int:
    """The seed of the index-th episode of a split."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    start, stride = SPLIT_SEEDS[split]
    return start + stride * index


def long_horizon_colors(split: str) -> tuple[str, ...]:
    """Colour set of long-horizon tasks: TRAIN colours for train, EVAL colours for val and test."""
    if split not in SPLIT_SEEDS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    return TRAIN_COLORS if split == "train" else EVAL_COLORS
