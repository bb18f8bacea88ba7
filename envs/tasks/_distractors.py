"""Distractor blocks in LoHoRavens' convention (cdba8da B, C, I): colours the goal does not use, from all 11.

The original draws distractors from every colour, not just the split's palette, so a val or test scene can
show a train-only colour (and the reverse); each is a bigger or a smaller block by a coin flip where the
task has both sizes. They are never scored. A training set may narrow them to the split's own colours
(`Task.distractor_palette`, the env's `distractor_colors="split"`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from lohovla.envs.layout import Layout
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.world import World


def add_distractor_blocks(
    world: World,
    layout: Layout,
    rng: np.random.Generator,
    used: Iterable[str],
    pool: Sequence[str],
    max_n: int = 2,
    sizes: bool = False,
) -> list[SceneObject]:
    """0..max_n blocks in distinct colours of `pool` (the task's `distractor_palette`: all 11 unless a training set
    asks for the split's own) outside `used`; with sizes, 4 or 6 cm by a coin flip (labelled "smaller"/"bigger"),
    else 4 cm."""
    spare = [c for c in pool if c not in set(used)]
    n = min(int(rng.integers(0, max_n + 1)), len(spare))
    out = []
    for c in (str(c) for c in rng.choice(spare, n, replace=False)) if n else ():
        size = BIG_BLOCK if sizes and rng.uniform() > 0.5 else SMALL_BLOCK
        label = f"{'bigger' if size == BIG_BLOCK else 'smaller'} {c} block" if sizes else ""
        out.append(
            world.add_block(c, size, layout.sample(size * np.sqrt(0.5) + 0.007), rng.uniform(0, np.pi), label=label)
        )
    return out
