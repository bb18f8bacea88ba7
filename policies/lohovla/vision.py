"""Vision: RGB + height heightmap -> a dense stride-2 feature map (action path) and patch tokens (the LM).

Measured here (DESIGN.md): where things are is learned fast only through a dense spatial path, so the encoder is a
small U-Net over the half-resolution heightmap (160 x 80, 6.25 mm pixels) with coordinate channels; its stride-8
(or 16) features become the transformer's image tokens and its stride-2 decoder output (1.25 cm cells) feeds the
score maps and the flow head.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lohovla.policies.lohovla.config import VisionConfig

#: Height (m) is scaled by this before it enters the network (a 4 cm block -> 0.4).
HEIGHT_SCALE = 10.0
IN_CHANNELS = 6  # RGB, height, x, y


def downsample(color: np.ndarray, height: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 mean pooling of one observation: (320,160,3) uint8 + (320,160) float -> (160,80,3) uint8 + (160,80) f32.

    Training caches and the policy call this same function, so both see bit-identical inputs.
    """
    h, w = height.shape
    c = color.reshape(h // 2, 2, w // 2, 2, 3).astype(np.float32).mean(axis=(1, 3))
    z = height.reshape(h // 2, 2, w // 2, 2).astype(np.float32).mean(axis=(1, 3))
    return np.round(c).astype(np.uint8), z.astype(np.float32)


def image_tensor(color: torch.Tensor, height: torch.Tensor) -> torch.Tensor:
    """(B,H,W,3) uint8 + (B,H,W) metres -> (B, 6, H, W) float: RGB centred, scaled height, x and y in [-1, 1]."""
    b, h, w = height.shape
    rgb = color.permute(0, 3, 1, 2).float() / 255.0 - 0.5
    z = height[:, None].float() * HEIGHT_SCALE
    ys = (torch.arange(h, dtype=torch.float32) + 0.5) / h * 2 - 1
    xs = (torch.arange(w, dtype=torch.float32) + 0.5) / w * 2 - 1
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), 0).to(rgb.device)
    return torch.cat([rgb, z, grid.expand(b, -1, -1, -1)], dim=1)


def _norm(ch: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(8, ch), ch)


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, ch, 3, padding=1), _norm(ch), nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1), _norm(ch)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.body(x))


def _down(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=2, padding=1), _norm(cout), nn.ReLU(), ResBlock(cout))


class PixelColor(nn.Module):
    """Per-pixel colour features (1 x 1 convs over RGB + height, no normalisation), max-pooled into token cells.

    Read at 2 x 2-averaged pixels (1.25 cm, a block is ~3 across): 4x cheaper than half resolution, which cost
    more than the rest of a training step on one CPU thread.

    Why: every other feature is normalised over the scene (GroupNorm, the tokens' scene statistics), so the same
    orange block reads differently among train-coloured and among eval-coloured objects. These channels depend on
    the pixel alone, so what the primitives and captions teach about a colour holds in every task's scenes.
    """

    def __init__(self, channels: int, stride: int) -> None:
        super().__init__()
        if stride % 2:
            raise ValueError(f"pixel colour pooling needs an even token stride, got {stride}")
        self.stride = stride // 2
        self.mlp = nn.Sequential(nn.Conv2d(4, channels, 1), nn.ReLU(), nn.Conv2d(channels, channels, 1), nn.ReLU())

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """(B, 6, H, W) network input -> (B, N, channels) on the token grid."""
        feat = F.max_pool2d(self.mlp(F.avg_pool2d(img[:, :4], 2)), self.stride, ceil_mode=True)
        return feat.flatten(2).transpose(1, 2)


class ConvEncoder(nn.Module):
    """U-Net lite. forward(img) -> (dense (B, C, H/4, W/4), tokens (B, N, token_dim)).

    Strides 2, 4, 8 of the half-res image; the dense map is the stride-4 level (2.5 cm cells) fused with the
    upsampled stride-8 context. Precision below a cell comes from the flow head's glimpses of the raw image.
    Tokens are the stride-8 features themselves (token_stride 8) or their 2 x 2 average and max pools (16): the
    same features the action maps train, so the LM reads content from the first step. (A separate stride-16
    branch, tried first, was trained by nothing but the text loss, stayed image-independent, and the LM learned to
    ignore the image: captions became one sentence for every scene.)
    """

    def __init__(self, cfg: VisionConfig) -> None:
        super().__init__()
        if len(cfg.widths) != 3:
            raise ValueError(f"vision.widths needs 3 channel counts (strides 2, 4, 8), got {list(cfg.widths)}")
        w0, w1, w2 = cfg.widths
        self.down2 = nn.Sequential(nn.Conv2d(IN_CHANNELS, w0, 3, stride=2, padding=1), _norm(w0), nn.ReLU())
        self.down4, self.down8 = _down(w0, w1), _down(w1, w2)
        if cfg.token_stride not in (8, 16):
            raise ValueError("token_stride must be 8 or 16")
        self.pool = cfg.token_stride == 16
        self.up4 = nn.Sequential(nn.Conv2d(w2 + w1, cfg.dense_channels, 1), _norm(cfg.dense_channels), nn.ReLU())
        self.token_dim = 2 * w2 if self.pool else w2

    def forward(self, img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f4, f8, tok = self.features(img)
        return self.dense(f4, f8), tok

    def features(self, img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(stride-4 features, stride-8 features, tokens (B, N, token_dim)): what `dense` is made from, and the
        tokens, which are all a planning step needs (the dense map is the action path's)."""
        f4 = self.down4(self.down2(img))
        f8 = self.down8(f4)
        tok = f8
        if self.pool:
            tok = torch.cat([F.avg_pool2d(f8, 2, ceil_mode=True), F.max_pool2d(f8, 2, ceil_mode=True)], 1)
        return f4, f8, tok.flatten(2).transpose(1, 2)

    def dense(self, f4: torch.Tensor, f8: torch.Tensor) -> torch.Tensor:
        """The dense map (B, dense_channels, H/4, W/4) from `features`' first two outputs."""
        return self.up4(torch.cat([F.interpolate(f8, size=f4.shape[-2:], mode="nearest"), f4], 1))


class PretrainedTokens(nn.Module):
    """Patch tokens from a local pretrained transformers vision model (e.g. SigLIP); the RGB channels only."""

    def __init__(self, path: str) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModel

        cfg = AutoConfig.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True)
        self.model = getattr(model, "vision_model", model)
        vcfg = getattr(cfg, "vision_config", cfg)
        self.size = int(vcfg.image_size)
        self.token_dim = int(vcfg.hidden_size)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        rgb = F.interpolate(img[:, :3] * 2.0, size=(self.size, self.size), mode="bilinear", align_corners=False)
        return self.model(pixel_values=rgb).last_hidden_state


def token_grid(cfg: VisionConfig, image_hw: tuple[int, int] = (160, 80)) -> tuple[int, int]:
    """(rows, cols) of the conv token grid for a half-res image."""
    h, w = image_hw
    for _ in range(3 if cfg.token_stride == 8 else 4):  # ceil-mode halvings, as the convs and pools do
        h, w = (h + 1) // 2, (w + 1) // 2
    return h, w
