"""ColorPresence: where each colour is on the table, read per pixel, for the grounding checks (scene_reading.py).

The object check asks whether a named colour stands or lies anywhere, the action checks where it is. Whether a
colour is at a pixel is a local, context-free question: a small per-pixel classifier over RGB + height (a 3x3 then
1x1 convs, nothing pooled across the scene) answers it the same way in a primitive scene, where it saw all 11
colours, as in a cluttered long-horizon one. It is trained per pixel (colour of the object seen there, or table;
`pixel_labels` in lohovla/training/color_fit.py): trained on scene-level presence alone, a rare colour's channel
could sit at its base rate and never find its pixels. A colour is present where its pixel probability survives
an `erode` x `erode` erosion (min-pooling): outlines, where colours blend into the table and each other, are one
or two pixels wide and vanish; a block's top (4 cm, 6 pixels) does not (the shipped detector's val figures are in
its color_fit.json; `python -m benchmarks.color_presence` measures it on test scenes).

It once also ruled colour words out of the planner's decoding (`color_bias`); on val that cost more episodes than
it saved (docs/generalisation.md), and it went.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lohovla.policies.lohovla.morphology import erode
from lohovla.policies.lohovla.vision import image_tensor

IGNORE = -1  # pixel label: near an outline, not trained


class ColorPresence(nn.Module):
    def __init__(self, colors: Sequence[str], channels: int = 32, erode: int = 3) -> None:
        super().__init__()
        if not colors:
            raise ValueError("ColorPresence needs at least one colour word")
        if erode < 1 or erode % 2 == 0:
            raise ValueError("erode must be an odd number of pixels")
        self.colors, self.erode = tuple(colors), erode
        self.net = nn.Sequential(
            nn.Conv2d(4, channels, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels, channels, 1),
            nn.ReLU(),
            nn.Conv2d(channels, len(self.colors) + 1, 1),  # the last class is the table
        )

    def pixel_logits(self, color: torch.Tensor, height: torch.Tensor) -> torch.Tensor:
        """(B, H, W, 3) uint8 + (B, H, W) metres at half resolution -> (B, C + 1, H, W) class logits per pixel."""
        img = image_tensor(color, height)[:, :4]  # RGB and height; no coordinates: a colour is one anywhere
        return self.net(img.contiguous())  # a strided view takes torch's slow conv path on CPU

    def pixel_probs(self, color: torch.Tensor, height: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) each colour's pixel probability after an `erode` x `erode` erosion (outlines gone)."""
        return self.pixel_maps(color, height)[0]

    def pixel_maps(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`pixel_probs`, and (B, H, W) each pixel's likeliest class before the erosion (C: the table)."""
        logits = self.pixel_logits(color, height)
        classes = logits.max(1).indices  # argmax over the channel dim is slow on CPU; same first-max index
        return erode(logits.softmax(1)[:, :-1], self.erode), classes

    def forward(self, color: torch.Tensor, height: torch.Tensor) -> torch.Tensor:
        """(B, C) presence in [0, 1]: each colour's highest pixel probability after the erosion."""
        return presence_of(self.pixel_probs(color, height))


def presence_of(pixel_probs: torch.Tensor) -> torch.Tensor:
    """(B, C) presence from `ColorPresence.pixel_probs`: the highest eroded probability anywhere in the scene."""
    return pixel_probs.flatten(2).max(-1).values


def pixel_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over the labelled pixels (labels (B, H, W): colour index, C for table, IGNORE)."""
    return nn.functional.cross_entropy(logits, labels.long(), ignore_index=IGNORE)
