"""One reading of the scene per decision: what the grounding checks ask of the detector's maps and the heightmap.

Made once from the prompt's detector maps (half resolution) and read lazily, each piece at most once per decision:
which colours stand (blocks) and lie flat (bowls, zones); the colour probabilities per score-map cell; the top faces
of each block size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from lohovla.policies.lohovla.action_codec import X_RANGE
from lohovla.policies.lohovla.action_grounding import cell_probs
from lohovla.policies.lohovla.block_size import sized_faces
from lohovla.policies.lohovla.grounding_config import GroundingConfig
from lohovla.policies.lohovla.object_check import seen_colors
from lohovla.policies.lohovla.subtask import BLOCK_SIZES


@dataclass
class SceneReading:
    """pixels (1, C, H, W) eroded colour probabilities, height (1, H, W) metres, classes (1, H, W) (C: the table)."""

    pixels: torch.Tensor
    height: torch.Tensor
    classes: torch.Tensor | None
    g: GroundingConfig
    _memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def pixel(self) -> float:
        """Metres per pixel of these half-resolution maps."""
        return (X_RANGE[1] - X_RANGE[0]) / self.height.shape[-1]

    def face_widths_px(self) -> tuple[float, float]:
        """The widths (pixels) of the disks a smaller and a bigger block's top face hold."""
        return tuple(self.g.face_share * size / self.pixel for size in BLOCK_SIZES)

    def _once(self, key: Any, make) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def objects(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(1, C) bool twice: each colour seen standing (a block's top) and lying flat (object_check.seen_colors)."""
        g = self.g
        return self._once(
            "objects", lambda: seen_colors(self.pixels, self.height, g.stand_height, g.object_prob, g.erode)
        )

    def cells(self, hw: tuple[int, int], dilate: int) -> torch.Tensor:
        """(1, C, h, w) colour probabilities per score-map cell (action_grounding.cell_probs)."""
        return self._once(("cells", tuple(hw), dilate), lambda: cell_probs(self.pixels, hw, dilate))

    def sized_faces(self) -> torch.Tensor:
        """(1, 2, H, W) bool: pixels of smaller and of bigger blocks' top faces (block_size.sized_faces)."""
        g = self.g
        return self._once("faces", lambda: sized_faces(self.height, g.stand_height, self.face_widths_px(), g.face_tol))
