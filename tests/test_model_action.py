"""Action path: the 14 <-> 8 number codec, score-map loss and mode, flow head sampling, a few training steps."""

from __future__ import annotations

import numpy as np
import torch
from _model_fixtures import micro_config, synthetic_store

from lohovla.policies.base import Action
from lohovla.policies.lohovla.action_codec import decode_action, encode_action, quat_of, yaw_of
from lohovla.policies.lohovla.action_head import flow_sample, map_loss, map_mode
from lohovla.policies.lohovla.loading import build_model
from lohovla.training.batching import Collator


def _action(x, y, yaw, x2, y2, yaw2) -> np.ndarray:
    return Action(
        pick=(np.array([x, y, 0.02]), quat_of(yaw)), place=(np.array([x2, y2, 0.06]), quat_of(yaw2))
    ).as_array()


def test_codec_round_trip_keeps_position_and_yaw_modulo_90() -> None:
    a = _action(0.31, -0.42, 1.9, 0.70, 0.33, -0.4)
    v = encode_action(a)
    assert v.shape == (8,) and np.all(np.abs(v) <= 1)
    back = decode_action(v)
    assert np.allclose(back.pick[0][:2], [0.31, -0.42], atol=1e-6)
    assert np.allclose(back.place[0][:2], [0.70, 0.33], atol=1e-6)
    for got, want in ((yaw_of(back.pick[1]), 1.9), (yaw_of(back.place[1]), -0.4)):
        d = (got - want) % (np.pi / 2)
        assert min(d, np.pi / 2 - d) < 1e-5
    assert encode_action(np.stack([a, a])).shape == (2, 8)


def test_decode_clips_to_workspace_and_reads_z_from_heightmap() -> None:
    height = np.zeros((320, 160), np.float32)
    height[150:170, 70:90] = 0.04  # a block around x = 0.25 + 80 px, y = -0.5 + 160 px
    v = np.array([0.0, 0.0, 1, 0, 5.0, -5.0, 1, 0], np.float32)
    a = decode_action(v, height)
    assert abs(a.pick[0][2] - 0.04) < 1e-6
    assert a.place[0][0] == 0.75 and a.place[0][1] == -0.5


def test_map_loss_prefers_target_and_mode_recovers_it() -> None:
    logits = torch.zeros(1, 40, 20)
    xy = torch.tensor([[0.23, -0.41]])
    peaked = logits.clone()
    col, row = int((0.23 + 1) / 2 * 20), int((-0.41 + 1) / 2 * 40)
    peaked[0, row, col] = 10.0
    assert map_loss(peaked, xy, 0.5) < map_loss(logits, xy, 0.5)
    mode = map_mode(peaked)[0]
    assert abs(float(mode[0]) - 0.23) < 0.06 and abs(float(mode[1]) - (-0.41)) < 0.03


def test_flow_sampling_shapes_and_training_step_reduces_loss() -> None:
    torch.manual_seed(0)
    model = build_model(micro_config())
    store = synthetic_store(8)
    batch = Collator(store, model.codec, use_subtask=True)(np.arange(8))
    opt = torch.optim.AdamW(model.parameters(), 3e-3)
    losses = []
    for step in range(12):
        out = model(batch, torch.Generator().manual_seed(step))
        loss = out["text"] + out["map"] + out["flow"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        assert all(torch.isfinite(v) for v in out.values())
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    model.eval()
    with torch.no_grad():
        img, dense, _ = model.encode_image(batch.color[:2], batch.height[:2])
        h = torch.randn(2, model.backbone.hidden_size)
        v = flow_sample(model.flow, torch.zeros(2, 2, 2), img, dense, h, 10, 0.5, torch.Generator().manual_seed(0))
    assert v.shape == (2, 8) and torch.isfinite(v).all()
