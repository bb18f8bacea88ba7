"""Pixel colour channels: a token's colour features depend on its own cell only, whatever else is in the scene."""

from __future__ import annotations

import pytest
import torch

from lohovla.policies.lohovla.config import ModelConfig
from lohovla.policies.lohovla.loading import build_model
from lohovla.policies.lohovla.vision import PixelColor, image_tensor


def _scene(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    color = torch.randint(0, 256, (1, 160, 80, 3), generator=g, dtype=torch.uint8)
    return color, torch.rand(1, 160, 80, generator=g) * 0.05


@pytest.mark.parametrize("stride", [8, 16])
def test_a_cell_reads_the_same_among_other_objects(stride: int) -> None:
    torch.manual_seed(0)
    net = PixelColor(8, stride)
    (c1, h1), (c2, h2) = _scene(1), _scene(2)
    c2[:, :stride, :stride], h2[:, :stride, :stride] = c1[:, :stride, :stride], h1[:, :stride, :stride]  # cell 0
    f1, f2 = net(image_tensor(c1, h1)), net(image_tensor(c2, h2))
    assert f1.shape == (1, (160 // stride) * (80 // stride), 8)
    torch.testing.assert_close(f1[:, 0], f2[:, 0])
    assert not torch.allclose(f1[:, 1:], f2[:, 1:])


def test_odd_strides_are_refused() -> None:
    with pytest.raises(ValueError, match="even"):
        PixelColor(8, 5)


def test_model_tokens_grow_by_the_colour_channels_and_keep_their_count() -> None:
    plain = build_model(ModelConfig.from_dict({"vision": {"color_features": 0}}))
    colored = build_model(ModelConfig.from_dict({"vision": {"color_features": 16}}))
    assert plain.pixel_color is None and colored.pixel_color is not None
    assert colored.img_proj[0].normalized_shape[0] == plain.img_proj[0].normalized_shape[0] + 16
    color, height = _scene(3)
    assert colored.encode_image(color, height)[2].shape == plain.encode_image(color, height)[2].shape
