"""The colour detector: it learns where each colour is per pixel, erodes outlines away, saves with the checkpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _d2f_fixtures import scenes, sharp_model

from lohovla.policies.lohovla.color_presence import IGNORE, ColorPresence, pixel_loss
from lohovla.policies.lohovla.config import GroundingConfig
from lohovla.policies.lohovla.loading import load_model, save_checkpoint

RGB = {"red": (200, 30, 30), "orange": (240, 140, 20), "yellow": (230, 220, 40), "white": (245, 245, 245)}


def _squares(n: int, seed: int) -> tuple[torch.Tensor, ...]:
    """Gray tables with 1-3 coloured 6x6 squares (raised 4 cm): images, pixel labels, which colours they show."""
    rng = np.random.default_rng(seed)
    color = np.full((n, 40, 20, 3), 90, np.uint8)
    height = np.zeros((n, 40, 20), np.float32)
    pixels = np.full((n, 40, 20), len(RGB), np.int64)
    labels = np.zeros((n, len(RGB)), np.float32)
    for i in range(n):
        for _ in range(rng.integers(1, 4)):
            k = rng.integers(len(RGB))
            r, c = rng.integers(0, 34), rng.integers(0, 14)
            color[i, r : r + 6, c : c + 6] = list(RGB.values())[k]
            height[i, r : r + 6, c : c + 6] = 0.04
            pixels[i, r : r + 6, c : c + 6] = k
            pixels[i, r, c : c + 6] = IGNORE  # an outline row, as the real labels leave out
            labels[i, k] = 1.0
    return tuple(torch.from_numpy(x) for x in (color, height, pixels, labels))


def test_detector_learns_which_colours_a_scene_shows() -> None:
    torch.manual_seed(0)
    net = ColorPresence(tuple(RGB), channels=8)
    color, height, pixels, _ = _squares(64, seed=0)
    opt = torch.optim.Adam(net.parameters(), lr=3e-2)
    for _ in range(150):
        loss = pixel_loss(net.pixel_logits(color, height), pixels)
        opt.zero_grad(), loss.backward(), opt.step()
    color, height, _, labels = _squares(32, seed=1)  # new scenes
    with torch.no_grad():
        got = net(color, height) > 0.5
    truth = labels > 0.5
    assert (got == truth).float().mean() >= 0.95
    assert all((got[:, k] & truth[:, k]).any() for k in range(len(RGB)))  # every colour is found somewhere


def test_pixel_loss_skips_ignored_pixels() -> None:
    logits = torch.zeros(1, 3, 1, 2)
    logits[0, 0, 0, 0] = 10.0  # pixel 0 says class 0; pixel 1 is unsure
    assert pixel_loss(logits, torch.tensor([[[0, IGNORE]]])) < 0.01
    assert pixel_loss(logits, torch.tensor([[[0, 1]]])) > 0.5


def _fixed(colors: tuple[str, ...], present: set[str]) -> ColorPresence:
    """A detector whose answer is the same for every pixel: `present` colours are seen, the rest (and table) not."""
    net = ColorPresence(colors, channels=4)
    with torch.no_grad():
        last = net.net[-1]
        last.weight.zero_()
        last.bias.copy_(torch.tensor([8.0 if c in present else -8.0 for c in colors] + [0.0]))
    return net


@torch.no_grad()
def test_grounded_checkpoint_round_trip(tmp_path) -> None:
    model = sharp_model(80)
    color, height, goals = scenes(model, 8, seed=3)
    words = [w for w in (model.codec.decode([t]) for g in goals for t in g) if len(model.codec.encode(w)) == 1]
    words = tuple(dict.fromkeys(words))[:4]  # single-token words of its vocabulary stand in for colours
    model.cfg.grounding = GroundingConfig(colors=words, channels=4)
    model.presence = _fixed(words, present={words[0]})
    save_checkpoint(model, str(tmp_path / "g"))
    again = load_model(tmp_path / "g")
    assert again.cfg.grounding == model.cfg.grounding and again.presence is not None
    torch.testing.assert_close(again.presence(color, height), model.presence(color, height))


def test_pixel_labels_paint_footprints_from_low_to_high() -> None:
    from lohovla.training.color_fit import HALF_PIXEL, X0, Y0, pixel_labels

    colors = ["red", "blue", "green"]
    objects = [
        {"kind": "block", "color": "red", "size": 0.04, "position": [0.5, 0.0, 0.03], "yaw": 0.3},
        {"kind": "bowl", "color": "blue", "size": 0.12, "position": [0.5, 0.0, 0.0], "yaw": 0.0},
        {"kind": "zone", "color": "green", "size": 0.15, "position": [0.4, 0.3, 0.0], "yaw": 0.0},
    ]
    lab = pixel_labels(objects, colors)

    def at(x: float, y: float) -> int:
        return int(lab[int((y - Y0) / HALF_PIXEL), int((x - X0) / HALF_PIXEL)])

    assert at(0.5, 0.0) == 0  # the block in the bowl wins
    assert at(0.5 + 0.04, 0.0) == 1  # bowl around it
    assert at(0.4, 0.3) == 2 and at(0.7, -0.4) == 3  # zone; table
    assert at(0.5 + 0.06, 0.0) == IGNORE  # the bowl's rim: not trained
    assert {int(v) for v in np.unique(lab)} == {IGNORE, 0, 1, 2, 3}


def test_erosion_is_min_pooling() -> None:
    from lohovla.policies.lohovla.morphology import erode

    probs = torch.rand(2, 3, 17, 9, generator=torch.Generator().manual_seed(0))
    for size in (1, 3, 5):
        want = -torch.nn.functional.max_pool2d(-probs, size, stride=1, padding=size // 2)
        assert torch.equal(erode(probs, size), want)
    line = torch.zeros(1, 1, 9, 9)
    line[..., 4, :] = 1.0  # a one-pixel outline vanishes, a 3x3 blob keeps its centre
    line[..., 0:3, 0:3] = 1.0
    assert erode(line, 3)[0, 0, 4].max() == 0 and erode(line, 3)[0, 0, 1, 1] == 1


def test_fit_colors_refuses_bad_checkpoints_before_any_work(tmp_path) -> None:
    from lohovla.training.color_fit import ColorFitSettings, fit_colors

    settings = {"colors": ("red",), "tasks": ("pick-and-place-primitive",)}
    with pytest.raises(FileNotFoundError, match="not a checkpoint"):
        fit_colors(ColorFitSettings(checkpoint=str(tmp_path / "missing"), **settings))
    with pytest.raises(ValueError, match="shipped checkpoint"):
        fit_colors(ColorFitSettings(checkpoint="lohovla-tiny", **settings))  # in place: refused
    with pytest.raises(ValueError, match="colors"):
        fit_colors(ColorFitSettings(checkpoint="lohovla-tiny", out=str(tmp_path / "x")))


def test_fit_scenes_can_show_mid_episode_states() -> None:
    from lohovla.training.color_fit import simulate_scenes

    colors = ["blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown", "white", "gray"]
    task = ["pick-and-place-primitive-with-size"]
    reset = simulate_scenes(task, colors, "train", 4, progress=False)
    later = simulate_scenes(task, colors, "train", 4, progress=False, oracle_steps=1, seed=0)
    assert reset.height.max() < 0.07  # a reset scene: bigger blocks (6 cm) at most
    assert later.height.max() > 0.08  # after the oracle's step: a small block on a bigger one
    assert (reset.height == later.height).all(axis=(1, 2)).any()  # some scenes drew 0 steps
    present = reset.labels > 0.5
    assert reset.blocks.any(1).all() and (present == (reset.blocks | reset.flat)).all()  # kinds split the colours
