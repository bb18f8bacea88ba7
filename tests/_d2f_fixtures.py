"""A random micro model whose text head is sharpened, so D2F unmasks several tokens per pass in tests.

A random head spreads probability thinly (nothing passes tau_conf); scaling its weights gives a mix of confident
and unsure positions, which exercises parallel unmasking, commits and EOS at random places.
"""

from __future__ import annotations

import torch
from _model_fixtures import micro_config

from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.model import LoHoVLAModel

GOALS = (
    "put the blocks in the bowls with matching colors.",
    "stack all blocks.",
    "pick up the red block and place it in the blue bowl.",
    "move the blocks between the top left area and the bottom right area by color.",
)


def sharp_model(scale: float = 12.0, seed: int = 0) -> LoHoVLAModel:
    torch.manual_seed(seed)
    model = build_model(micro_config()).eval()
    with torch.no_grad():
        model.backbone.lm.get_output_embeddings().weight.mul_(scale)
    return model


def scenes(model: LoHoVLAModel, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, list[list[int]]]:
    """n random half-resolution images and goals of different lengths."""
    g = torch.Generator().manual_seed(seed)
    color = torch.randint(0, 256, (n, 160, 80, 3), generator=g, dtype=torch.uint8)
    height = torch.rand(n, 160, 80, generator=g) * 0.05
    words = [model.codec.encode(s) for s in GOALS]
    goals = [words[i % len(words)][: 3 + (i * 7) % 20] for i in range(n)]
    return color, height, goals
