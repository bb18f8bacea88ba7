"""Action path: pick/place score maps over the dense feature map, and a flow-matching head that refines poses.

Score maps: the dense features FiLM-conditioned on the backbone's readout state, one logit per 1.25 cm cell
(cross-entropy on the demonstrated cell). Flow head: continuous [pick xy, yaw, place xy, yaw]; each step reads the
image around its current pick and place samples (bilinear glimpses and dense features at x_t), so precision comes
from local evidence, not from one global vector. It starts near the score maps' modes (xy) and from noise (yaw).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lohovla.policies.lohovla.config import ActionConfig
from lohovla.policies.lohovla.vision import IN_CHANNELS


class ScoreMap(nn.Module):
    """Logits (B, H, W) over the dense map for one of pick / place, conditioned on the readout state.

    Two terms: a query from the readout dotted with a key per cell (the direct "which colour and kind" match, the
    path measured to learn fast), plus a per-cell MLP over FiLM-modulated features (conjunctions such as a colour
    inside a named area).
    """

    def __init__(self, channels: int, hidden_size: int) -> None:
        super().__init__()
        self.query = nn.Linear(hidden_size, channels)
        self.key = nn.Conv2d(channels, channels, 1)
        self.film = nn.Linear(hidden_size, 2 * channels)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        self.head = nn.Sequential(nn.Conv2d(channels, channels, 1), nn.ReLU(), nn.Conv2d(channels, 1, 1))

    def forward(self, dense: torch.Tensor, h: torch.Tensor, keys: torch.Tensor | None = None) -> torch.Tensor:
        """`keys`: `self.key(dense)` when the caller has it (they depend on the scene alone, not on `h`: a decoder
        reading many states of one scene computes them once)."""
        gamma, beta = self.film(h)[:, :, None, None].chunk(2, dim=1)
        keys = self.key(dense) if keys is None else keys
        match = torch.einsum("bchw,bc->bhw", keys, self.query(h)) / dense.shape[1] ** 0.5
        return match + self.head(F.relu(dense * (1 + gamma) + beta))[:, 0]


def cell_centres(hw: tuple[int, int], device: torch.device | None = None) -> torch.Tensor:
    """(H*W, 2) normalised (x, y) of the cell centres, row-major."""
    h, w = hw
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h * 2 - 1
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w * 2 - 1
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=-1)


def map_loss(logits: torch.Tensor, xy: torch.Tensor, sigma_cells: float) -> torch.Tensor:
    """Per-sample cross-entropy against a Gaussian soft target (sigma in cells) around the demonstrated xy."""
    b, h, w = logits.shape
    centres = cell_centres((h, w), logits.device)
    cell = torch.tensor([2.0 / w, 2.0 / h], device=logits.device)
    d2 = (((centres[None] - xy[:, None]) / cell) ** 2).sum(-1)
    target = torch.softmax(-d2 / (2 * sigma_cells**2), dim=-1)
    return -(target * torch.log_softmax(logits.reshape(b, -1), dim=-1)).sum(-1)


def map_mode(logits: torch.Tensor) -> torch.Tensor:
    """(B, 2) normalised xy: the arg-max cell refined by the soft-argmax of its 3 x 3 neighbourhood."""
    b, h, w = logits.shape
    flat = logits.reshape(b, -1)
    idx = flat.argmax(-1)
    r, c = idx // w, idx % w
    offs = torch.arange(-1, 2, device=logits.device)
    rr = (r[:, None, None] + offs[None, :, None]).clamp(0, h - 1).expand(b, 3, 3)
    cc = (c[:, None, None] + offs[None, None, :]).clamp(0, w - 1).expand(b, 3, 3)
    local = logits[torch.arange(b)[:, None, None], rr, cc].reshape(b, -1)
    p = torch.softmax(local, -1)
    x = ((cc.float() + 0.5) / w * 2 - 1).reshape(b, -1)
    y = ((rr.float() + 0.5) / h * 2 - 1).reshape(b, -1)
    return torch.stack([(p * x).sum(-1), (p * y).sum(-1)], dim=-1)


class Glimpse(nn.Module):
    """A small CNN over a bilinear crop of the (half-res) input image centred on a normalised xy."""

    def __init__(self, size: int, out: int = 128) -> None:
        super().__init__()
        self.size = size
        self.net = nn.Sequential(
            nn.Conv2d(IN_CHANNELS, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        side = math.ceil(math.ceil(math.ceil(size / 2) / 2) / 2)
        self.proj = nn.Linear(64 * side * side, out)

    def forward(self, img: torch.Tensor, xy: torch.Tensor) -> torch.Tensor:
        """(B, K, out) for K crop centres xy (B, K, 2): one grid_sample and one CNN pass for all K crops."""
        b, c, h, w = img.shape
        k, side = xy.shape[1], self.size
        theta = torch.zeros(b * k, 2, 3, device=img.device, dtype=img.dtype)
        theta[:, 0, 0], theta[:, 1, 1] = side / w, side / h
        theta[:, :, 2] = xy.reshape(b * k, 2)
        grid = F.affine_grid(theta, [b * k, c, side, side], align_corners=False)
        grid = grid.reshape(b, k * side, side, 2)  # the K crops stacked vertically: one sample per image
        crops = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        crops = crops.reshape(b, c, k, side, side).transpose(1, 2).reshape(b * k, c, side, side)
        return self.proj(self.net(crops)).reshape(b, k, -1)


def time_embedding(t: torch.Tensor, dim: int = 64) -> torch.Tensor:
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    args = t[:, None] * 100.0 * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class ResMLP(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(width), nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)


class FlowHead(nn.Module):
    """Velocity field v(z_t, t | image, readout) over the 8-d action in flow units (see `FLOW_SCALE`)."""

    def __init__(self, cfg: ActionConfig, hidden_size: int, dense_channels: int) -> None:
        super().__init__()
        w = cfg.hidden
        self.glimpse = Glimpse(cfg.glimpse)
        self.inp = nn.Linear(8 + 2 * 128 + 2 * dense_channels, w)
        self.cond = nn.Linear(hidden_size, w)
        self.temb = nn.Sequential(nn.Linear(64, w), nn.GELU(), nn.Linear(w, w))
        self.blocks = nn.Sequential(*[ResMLP(w) for _ in range(cfg.blocks)])
        self.out = nn.Sequential(nn.LayerNorm(w), nn.Linear(w, 8))

    def forward(
        self, z: torch.Tensor, t: torch.Tensor, img: torch.Tensor, dense: torch.Tensor, h: torch.Tensor
    ) -> torch.Tensor:
        a = z / flow_scale(z)
        xy = torch.stack([a[:, 0:2], a[:, 4:6]], 1).clamp(-1, 1)  # (B, 2, 2): pick, place
        glimpses = self.glimpse(img, xy).unbind(1)
        feats = F.grid_sample(dense, xy[:, :, None], align_corners=False)[..., 0]  # (B, C, 2)
        x = torch.cat([z, *glimpses, feats[:, :, 0], feats[:, :, 1]], dim=-1)
        x = self.inp(x) + self.cond(h) + self.temb(time_embedding(t))
        return self.out(self.blocks(x))


def flow_scale(like: torch.Tensor) -> torch.Tensor:
    """Per-dimension scale from model space to flow units: xy in 2.5 cm score-map cells (20 x 40 across), yaw as is."""
    return torch.tensor([10.0, 20.0, 1.0, 1.0, 10.0, 20.0, 1.0, 1.0], device=like.device, dtype=like.dtype)


def flow_source(centre_xy: torch.Tensor, sigma: float, gen: torch.Generator | None) -> torch.Tensor:
    """z_0: pick/place xy around (B, 2, 2) centres with `sigma` cells of noise; yaw features from N(0, 1)."""
    b = centre_xy.shape[0]
    eps = torch.randn(b, 8, generator=gen).to(centre_xy.device)
    z0 = eps.clone()
    scale = flow_scale(eps)
    for i, off in enumerate((0, 4)):
        z0[:, off : off + 2] = centre_xy[:, i] * scale[off : off + 2] + sigma * eps[:, off : off + 2]
    return z0


def flow_loss(
    head: FlowHead,
    target: torch.Tensor,
    img: torch.Tensor,
    dense: torch.Tensor,
    h: torch.Tensor,
    sigma: float,
    gen: torch.Generator | None,
) -> torch.Tensor:
    """Per-sample conditional flow-matching loss (straight paths from z_0 near the target to the target)."""
    z1 = target * flow_scale(target)
    z0 = flow_source(torch.stack([target[:, 0:2], target[:, 4:6]], 1), sigma, gen)
    t = torch.rand(target.shape[0], generator=gen).to(target.device)
    zt = (1 - t[:, None]) * z0 + t[:, None] * z1
    v = head(zt, t, img, dense, h)
    return ((v - (z1 - z0)) ** 2).mean(-1)


@torch.no_grad()
def flow_sample(
    head: FlowHead,
    start_xy: torch.Tensor,
    img: torch.Tensor,
    dense: torch.Tensor,
    h: torch.Tensor,
    steps: int,
    sigma: float,
    gen: torch.Generator | None,
) -> torch.Tensor:
    """Euler integration from z_0 around the score maps' modes (B, 2, 2); returns model-space actions (B, 8)."""
    z = flow_source(start_xy, sigma, gen)
    dt = 1.0 / steps
    for i in range(steps):
        t = torch.full((z.shape[0],), i * dt, device=z.device)
        z = z + dt * head(z, t, img, dense, h)
    return z / flow_scale(z)
