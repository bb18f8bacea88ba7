"""Fit a checkpoint's colour detector (color_presence.py) on simulated training scenes, and write it back.

The detector reads raw pixels, not the model's features, so it is fitted on its own: a few minutes on one core,
with the rest of the checkpoint's weights left bit-for-bit as they are. Labels come from the simulator's object
list (as for captions): each object's footprint (pose, size, yaw) is painted into a per-pixel label map, on
train-split scenes of the training tasks: the primitives show all 11 colours, the long-horizon tasks only the
train colours. Scenes are taken after 0-`oracle_steps` oracle steps, not only at reset: mid-episode, blocks stand
on stacks and in bowls, and a detector that never saw an orange block 10 cm high calls it brown. The val split
(eval colours in long-horizon scenes) measures how well it carries over; nothing is tuned on the test split.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.policies.lohovla.color_presence import IGNORE, ColorPresence, pixel_loss

HALF_PIXEL = 2 * PIXEL_SIZE  # metres per pixel of the half-resolution heightmap (the model's input)
X0, Y0 = BOUNDS[0, 0], BOUNDS[1, 0]  # pixel (row u, col v) centre: x = X0 + (v + .5) px, y = Y0 + (u + .5) px
MARGIN = 0.008  # pixels this close to an outline are not labelled (blended, or the shape is approximate)


@dataclass
class ColorFitSettings:
    checkpoint: str
    out: str | None = None  # None: write into `checkpoint`
    colors: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    scenes_per_task: int = 600
    val_scenes_per_task: int = 50
    oracle_steps: int = 0  # each scene: the observation after 0..oracle_steps oracle steps (stacks, filled bowls)
    steps: int = 1500
    batch_size: int = 32
    lr: float = 3e-3
    channels: int = 32
    erode: int = 3
    min_prob: float = 0.1  # the report's presence threshold (color_fit.json: missed and ruled-out colours)
    seed: int = 0
    threads: int = 1
    progress: bool = True


@dataclass
class Scenes:
    color: np.ndarray  # (N, 160, 80, 3) uint8, half resolution
    height: np.ndarray  # (N, 160, 80) float32
    pixels: np.ndarray  # (N, 160, 80) int8: colour index, C for table, IGNORE near outlines
    task: list[str]
    blocks: np.ndarray  # (N, C) bool: a block of that colour is in the scene
    flat: np.ndarray  # (N, C) bool: a bowl or zone of that colour is

    @property
    def labels(self) -> np.ndarray:
        """(N, C) float32: 1 where an object of that colour is in the scene (every object is a block, bowl or zone)."""
        return (self.blocks | self.flat).astype(np.float32)


def pixel_labels(objects: Sequence[dict], colors: Sequence[str], shape: tuple[int, int] = (160, 80)) -> np.ndarray:
    """Per half-res pixel: the colour index of the object seen from above, C (table), or IGNORE.

    Objects are painted from low to high (zones, then bowls, then blocks; by height), so a block in a bowl or on
    a stack wins; blocks and zones are yawed squares, bowls discs; a band of MARGIN around each outline is IGNORE.
    """
    rows, cols = shape
    ys = Y0 + (np.arange(rows) + 0.5) * HALF_PIXEL
    xs = X0 + (np.arange(cols) + 0.5) * HALF_PIXEL
    gx, gy = np.meshgrid(xs, ys)
    out = np.full(shape, len(colors), np.int8)
    order = {"zone": 0, "bowl": 1, "block": 2}
    for obj in sorted(objects, key=lambda o: (order.get(o["kind"], 2), o["position"][2])):
        dx, dy = gx - obj["position"][0], gy - obj["position"][1]
        half = float(obj["size"]) / 2
        if obj["kind"] == "bowl":
            dist = np.hypot(dx, dy)
            inside, near = dist < half - MARGIN, dist < half + MARGIN
        else:
            c, s = np.cos(obj["yaw"]), np.sin(obj["yaw"])
            lx, ly = np.abs(c * dx + s * dy), np.abs(-s * dx + c * dy)
            inside = (lx < half - MARGIN) & (ly < half - MARGIN)
            near = (lx < half + MARGIN) & (ly < half + MARGIN)
        out[near] = IGNORE
        out[inside] = colors.index(obj["color"])
    return out


def simulate_scenes(
    tasks: Sequence[str],
    colors: Sequence[str],
    split: str,
    per_task: int,
    progress: bool = True,
    oracle_steps: int = 0,
    seed: int = 0,
) -> Scenes:
    """An observation of `per_task` episodes of each task, with the colours of its objects: the first one, or with
    `oracle_steps` the one after a random 0..oracle_steps steps of the oracle (so blocks stand on stacks and in
    bowls, as they do mid-episode; a reset scene never shows an eval colour two blocks high)."""
    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.lohovla.vision import downsample

    index = {c: i for i, c in enumerate(colors)}
    col, hgt, pix, names, blocks, flat = [], [], [], [], [], []
    with tqdm(total=len(tasks) * per_task, desc=f"{split} scenes", disable=not progress, mininterval=5) as bar:
        for task in tasks:
            env = lohovla.make_env(task, split=split)
            for k in range(per_task):
                obs, info = env.reset(seed=split_seed(split, k))
                rng = np.random.default_rng([seed, k, len(names)])
                for _ in range(int(rng.integers(0, oracle_steps + 1))):
                    if info["oracle"] is None:
                        break
                    act = {key: tuple(np.asarray(v) for v in info["oracle"][key]) for key in ("pick", "place")}
                    obs, _, terminated, truncated, info = env.step(act)
                    if terminated or truncated:
                        break
                c, h = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
                for obj in info["objects"]:
                    if obj["color"] not in index:
                        raise ValueError(f"{task}: object colour {obj['color']!r} is not among {list(colors)}")
                kinds = [(index[o["color"]], o["kind"]) for o in info["objects"]]
                blocks.append(np.isin(np.arange(len(colors)), [i for i, k in kinds if k == "block"]))
                flat.append(np.isin(np.arange(len(colors)), [i for i, k in kinds if k in ("bowl", "zone")]))
                pix.append(pixel_labels(info["objects"], list(colors), h.shape))
                col.append(c), hgt.append(h), names.append(task)
                bar.update()
            env.close()
    arrays = (np.stack(col), np.stack(hgt).astype(np.float32), np.stack(pix))
    return Scenes(*arrays, names, np.stack(blocks), np.stack(flat))


def train_presence(net: ColorPresence, scenes: Scenes, s: ColorFitSettings) -> list[float]:
    """Adam on the per-pixel cross-entropy; returns the mean loss of every 100 steps."""
    gen = np.random.default_rng(s.seed)
    opt = torch.optim.Adam(net.parameters(), lr=s.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=s.lr, total_steps=s.steps, pct_start=0.1)
    color, height, pixels = (torch.from_numpy(x) for x in (scenes.color, scenes.height, scenes.pixels))
    losses, run = [], []
    net.train()
    for step in tqdm(range(s.steps), desc="fit colours", disable=not s.progress, mininterval=5):
        idx = torch.from_numpy(gen.integers(0, len(pixels), s.batch_size))
        loss = pixel_loss(net.pixel_logits(color[idx], height[idx]), pixels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run.append(loss.item())
        if (step + 1) % 100 == 0:
            losses.append(float(np.mean(run))), run.clear()
    return losses


@torch.no_grad()
def presence_metrics(net: ColorPresence, scenes: Scenes, min_prob: float) -> dict[str, Any]:
    """Per colour: how often a present colour is ruled out (missed) and an absent one kept (false)."""
    net.eval()
    probs = []
    for i in range(0, len(scenes.labels), 64):
        c, h = (torch.from_numpy(x[i : i + 64]) for x in (scenes.color, scenes.height))
        probs.append(net(c, h).numpy())
    kept = np.concatenate(probs) >= min_prob
    present = scenes.labels > 0.5
    per = {}
    for j, name in enumerate(net.colors):
        n_pos, n_neg = int(present[:, j].sum()), int((~present[:, j]).sum())
        per[name] = {
            "present": n_pos,
            "missed": int((present[:, j] & ~kept[:, j]).sum()),
            "absent": n_neg,
            "kept_absent": int((~present[:, j] & kept[:, j]).sum()),
        }
    pos, neg = present.sum(), (~present).sum()
    return {
        "scenes": len(present),
        "missed_rate": float((present & ~kept).sum() / max(1, pos)),  # a real colour ruled out (the costly error)
        "ruled_out_rate": float((~present & ~kept).sum() / max(1, neg)),  # absent colours it removes
        "per_color": per,
    }


#: The grounding settings the fit writes into a checkpoint's config (the detector's); a training config never sets
#: them, so a stage started from a fitted checkpoint keeps them without asking (trainer.ignored_model_settings).
FITTED_GROUNDING = ("colors", "channels", "erode")


def fit_colors(s: ColorFitSettings) -> dict[str, Any]:
    """Load the checkpoint, fit its detector, save it (config grounding section + weights) and a report."""
    from lohovla.policies.lohovla.config import GroundingConfig
    from lohovla.policies.lohovla.loading import extra_fields, load_model, save_checkpoint
    from lohovla.policy_loading import SHIPPED_DIR, shipped_checkpoint

    if not s.colors or not s.tasks:
        raise ValueError("set `colors` (the colour words) and `tasks` (training tasks to simulate scenes of)")
    src = Path(s.checkpoint)
    if not (src / "config.json").exists():
        src = shipped_checkpoint(s.checkpoint) or src  # a shipped name (lohovla-tiny) works too
    if not (src / "config.json").exists():
        raise FileNotFoundError(f"{s.checkpoint} is not a checkpoint directory (no config.json) nor a shipped name")
    if s.out is None and src.resolve().is_relative_to(SHIPPED_DIR):
        raise ValueError(f"{src} is a shipped checkpoint: give out=<dir> rather than overwriting it in place")
    torch.set_num_threads(max(1, s.threads))
    torch.manual_seed(s.seed)
    model = load_model(src)
    for word in s.colors:
        if len(model.codec.encode(word)) != 1:
            raise ValueError(f"colour word {word!r} is not one token of the checkpoint's vocabulary")
    train = simulate_scenes(s.tasks, s.colors, "train", s.scenes_per_task, s.progress, s.oracle_steps, s.seed)
    val = simulate_scenes(s.tasks, s.colors, "val", s.val_scenes_per_task, s.progress, s.oracle_steps, s.seed)
    net = ColorPresence(s.colors, s.channels, s.erode)
    losses = train_presence(net, train, s)
    report = {
        "train_loss_every_100": losses,
        "train": presence_metrics(net, train, s.min_prob),
        "val": presence_metrics(net, val, s.min_prob),
    }
    model.cfg.grounding = GroundingConfig(colors=tuple(s.colors), channels=s.channels, erode=s.erode)
    model.presence = net.eval()
    out = Path(s.out) if s.out else src
    config = json.loads((src / "config.json").read_text())
    kept = extra_fields(config)
    save_checkpoint(model, out, {**kept, "color_fit": {"settings": _public(s), "val": _summary(report["val"])}})
    (out / "color_fit.json").write_text(json.dumps(report, indent=1))
    return report


def _public(s: ColorFitSettings) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(s).items() if k != "progress"}


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in ("scenes", "missed_rate", "ruled_out_rate")}
