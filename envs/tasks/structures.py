"""Prebuilt structures of a scene: towers and pyramids of blocks, and the check that they stand.

Building them is part of a task's scene distribution, so they take their poses from the caller's rng draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lohovla.envs.geometry import angle_diff
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import SMALL_BLOCK
from lohovla.envs.world import World

#: Gap between the bottom-row blocks of a pyramid.
PYRAMID_GAP = 0.004


def add_tower(world: World, specs: Sequence[tuple[str, float, str]], xy, yaw: float) -> list[SceneObject]:
    """Blocks (color, size, label) stacked bottom first, exactly aligned, each resting on the one below."""
    z, out = 0.0, []
    for color, size, label in specs:
        out.append(world.add_block(color, size, xy, yaw, z=z + size / 2, label=label))
        z += size
    return out


def pyramid_offsets(base: int, size: float = SMALL_BLOCK) -> list[tuple[float, float]]:
    """(offset along the row, centre height) of every block, bottom row first: 3-2-1 for base=3.

    Blocks of a row above sit centred over the gap between two below, so each rests across two blocks.
    """
    pitch = size + PYRAMID_GAP
    out = []
    for row in range(base):
        n = base - row
        out += [((i - (n - 1) / 2) * pitch, size / 2 + row * size) for i in range(n)]
    return out


def add_pyramid(world: World, colors: Sequence[str], xy, yaw: float, base: int) -> list[SceneObject]:
    """A pyramid of small blocks whose bottom row runs along `yaw`; colours are given bottom row first."""
    c, s = np.cos(yaw), np.sin(yaw)
    out = []
    for color, (u, z) in zip(colors, pyramid_offsets(base), strict=True):
        out.append(world.add_block(color, SMALL_BLOCK, (xy[0] + c * u, xy[1] + s * u), yaw, z=z))
    return out


def settle_and_check(world: World, blocks: Sequence[SceneObject], tol: float = 0.003) -> None:
    """Let a built structure settle; raise RuntimeError (setup redraws the scene) if anything moved."""
    before = [(world.position(b), world.yaw(b)) for b in blocks]
    world.settle(max_steps=720)
    for b, (pos, yaw) in zip(blocks, before, strict=True):
        moved = np.linalg.norm(world.position(b) - pos) > tol
        if moved or angle_diff(world.yaw(b), yaw, np.pi / 2) > np.radians(3):
            raise RuntimeError("a tower or pyramid did not stand")
