"""Grounded actions: the score-map helpers, and the action checks (place_apart, size_mask) over a made-up detector."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import torch
from _d2f_fixtures import sharp_model
from _model_fixtures import random_obs

from lohovla.policies.base import Feedback
from lohovla.policies.lohovla import action_grounding as grounding
from lohovla.policies.lohovla.action_grounding import cell_probs
from lohovla.policies.lohovla.color_presence import ColorPresence
from lohovla.policies.lohovla.config import GroundingConfig
from lohovla.policies.lohovla.policy import LoHoVLAPolicy

COLORS = ("red", "blue", "green")
PICK, PLACE = 20, 30  # half-res rows where the red and the blue thing are (of 160)


def test_cells_take_the_max_and_dilate() -> None:
    probs = torch.zeros(1, 1, 8, 8)
    probs[0, 0, 1, 1] = 0.9
    assert cell_probs(probs, (4, 4), 1)[0, 0].nonzero().tolist() == [[0, 0]]
    spread = cell_probs(probs, (4, 4), 3)[0, 0]
    assert spread[1, 1] == pytest.approx(0.9) and spread[2, 2] == 0


def test_apart_from_masks_cells_near_a_point() -> None:
    logits = torch.zeros(1, 10, 10)  # over 1 m x 1 m: 10 cm cells
    centre = torch.tensor([[0.0, 0.0]])  # the map's centre, a corner shared by four cells
    masked = grounding.apart_from(logits, centre, 0.08, (1.0, 1.0))
    assert torch.isinf(masked[0]).sum() == 4 and torch.isinf(masked[0, 4:6, 4:6]).all()
    assert grounding.metres_apart(centre, torch.tensor([[0.5, 0.0]]), (1.0, 1.0)) == pytest.approx(0.25)
    cells = torch.zeros(1, 2, 10, 10)
    cells[0, 1, 9, 0] = 0.7  # bottom-left cell
    assert grounding.prob_at(cells, 1, torch.tensor([[-0.95, 0.95]])) == pytest.approx(0.7)
    assert grounding.prob_at(cells, 1, torch.tensor([[2.0, 2.0]])) == 0.0  # outside: the nearest cell


def with_classes(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """`ColorPresence.pixel_maps` of made-up probabilities: each pixel's likeliest colour where one is seen, else
    the table."""
    best, index = probs.max(1)
    return probs, torch.where(best >= 0.5, index, probs.shape[1])


class _Map(ColorPresence):
    """A detector that sees red only around row PICK and blue only around row PLACE, whatever the image."""

    def pixel_maps(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probs = torch.zeros(color.shape[0], len(self.colors), *color.shape[1:3])
        probs[:, 0, PICK - 2 : PICK + 2, 38:42] = 0.95
        probs[:, 1, PLACE - 2 : PLACE + 2, 38:42] = 0.95
        return with_classes(probs)


@pytest.fixture(scope="module")
def grounded_model():
    model = sharp_model()
    model.cfg.grounding = GroundingConfig(colors=COLORS, channels=4, action_dilate=1, size_mask=True)
    model.presence = _Map(COLORS, channels=4)
    model.cfg.action.start_sigma = 0.0
    with torch.no_grad():
        model.flow.out[-1].weight.zero_(), model.flow.out[-1].bias.zero_()  # the flow keeps the maps' modes
    return model


class _Reds(ColorPresence):
    """Red around row PICK and, with `twice`, a second red thing around row 3 * PICK; nothing else."""

    twice = False

    def pixel_maps(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probs = torch.zeros(color.shape[0], len(self.colors), *color.shape[1:3])
        probs[:, 0, PICK - 2 : PICK + 2, 38:42] = 0.95
        if self.twice:
            probs[:, 0, 3 * PICK - 2 : 3 * PICK + 2, 38:42] = 0.95
        return with_classes(probs)


@contextmanager
def _maps_peak_at_the_reds(model):
    """The model's pick and place score maps both peak on the red thing at row PICK, and next on row 3 * PICK (where
    `_Reds.twice` puts a second one): the random maps know no colours; the checks under test act on these."""
    own = model.action_maps

    def action_maps(dense, h):
        pick, _ = own(dense, h)
        rows, cols = pick.shape[-2:]
        logits = torch.zeros_like(pick)
        logits[..., PICK * rows // 160, 40 * cols // 80] = 2.0
        logits[..., 3 * PICK * rows // 160, 40 * cols // 80] = 1.0
        return logits, logits.clone()

    model.action_maps = action_maps
    try:
        yield
    finally:
        del model.action_maps  # the model's own again


@torch.no_grad()
@pytest.mark.parametrize("twice", [False, True])
def test_a_place_on_the_pick_point_goes_to_the_other_object_or_is_a_noop(grounded_model, twice: bool) -> None:
    model = grounded_model
    detector, model.presence = model.presence, _Reds(COLORS, channels=4)
    model.presence.twice = twice
    try:
        with _maps_peak_at_the_reds(model):
            policy = LoHoVLAPolicy(model)
            obs = random_obs(0)
            policy.reset(obs["goal"])
            policy.subtask_ids = model.codec.encode("pick up the red block and place it on the red block.")
            prompt, scene = policy._prefill(obs)
            h = policy._readout(prompt.cache, policy.subtask_ids, 0)
            action, t = policy._action(prompt, scene, h, obs["height"])
            noop = t.noop
    finally:
        model.presence = detector
    pick_row, place_row = ((p[0][1] + 0.5) / 0.003125 for p in (action.pick, action.place))
    assert abs(pick_row - 2 * PICK) <= 5  # the first red thing, where the maps peak (its cell's centre)
    assert noop == (not twice)  # one red thing: placing it on itself does nothing
    if twice:  # two: the place is the red thing that is not picked
        assert abs(abs(place_row - pick_row) - 4 * PICK) <= 6


@torch.no_grad()
def test_a_retry_whose_sub_task_is_now_a_noop_plans_again(grounded_model) -> None:
    """A failed try keeps the sub-task (K = 2), but if its action is a no-op now (one red thing: "on the red block"
    places it on itself) the policy plans again at once instead of spending the step."""
    model = grounded_model
    detector, model.presence = model.presence, _Reds(COLORS, channels=4)
    try:
        with _maps_peak_at_the_reds(model):
            policy = LoHoVLAPolicy(model, replan="threshold", k=2)
            obs = random_obs(0)
            policy.reset(obs["goal"])
            policy.act(obs, Feedback())
            policy.subtask_ids = model.codec.encode("pick up the red block and place it on the red block.")
            step = policy.act(obs, Feedback(step=1, reward=0.0))
    finally:
        model.presence = detector
    assert step.replanned and step.timings["plan_ms"] > 0
    assert policy.rule.failures == 0  # counted afresh for the new sub-task


class _Layout(ColorPresence):
    """A detector that sees the colours of `things` (half-res rectangles: colour index, rows, cols) wherever they
    are, the table elsewhere; `heights` gives what the heightmap shows there."""

    things: list[tuple[int, slice, slice]] = []

    def pixel_maps(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probs = torch.zeros(color.shape[0], len(self.colors), *color.shape[1:3])
        for c, rows, cols in self.things:
            probs[:, :, rows, cols] = 0.0
            probs[:, c, rows, cols] = 0.95
        return with_classes(probs)


def _layout_obs(things: list[tuple[int, slice, slice, float]]) -> dict:
    """A full-resolution observation whose heightmap holds `things` (half-res rectangles, with their heights)."""
    obs = random_obs(0)
    obs["height"] = obs["height"] * 0
    for _, rows, cols, z in things:
        obs["height"][2 * rows.start : 2 * rows.stop, 2 * cols.start : 2 * cols.stop] = z
    return obs


@contextmanager
def _layout_policy(model, things, subtask: str):
    """A policy over a scene of `things` (colour, rows, cols, height) that `_Layout` sees, with `subtask` kept:
    yields (policy, obs, prompt, scene); the model's own detector comes back afterwards."""
    detector, model.presence = model.presence, _Layout(COLORS, channels=4)
    model.presence.things = [t[:3] for t in things]
    try:
        policy = LoHoVLAPolicy(model)
        obs = _layout_obs(things)
        policy.reset(obs["goal"])
        policy.subtask_ids = model.codec.encode(subtask)
        yield policy, obs, *policy._prefill(obs)
    finally:
        model.presence = detector


def _pick_place(model, things, subtask: str):
    """The policy's action and no-op flag for `subtask` in a scene of `things` (colour, rows, cols, height)."""
    with _layout_policy(model, things, subtask) as (policy, obs, prompt, scene):
        action, t = policy._action(prompt, scene, policy._readout(prompt.cache, policy.subtask_ids, 0), obs["height"])
        noop = t.noop
    rows = [(p[0][1] + 0.5) / 0.00625 for p in (action.pick, action.place)]  # half-res rows
    cols = [(p[0][0] - 0.25) / 0.00625 for p in (action.pick, action.place)]
    return (rows[0], cols[0]), (rows[1], cols[1]), noop


RED, BLUE = 0, 1


@torch.no_grad()
def test_size_words_pick_the_smaller_and_place_on_the_bigger(grounded_model) -> None:
    things = [
        (RED, slice(20, 26), slice(37, 43), 0.04),  # smaller red (4 cm)
        (RED, slice(60, 70), slice(35, 45), 0.06),  # bigger red (6 cm)
        (BLUE, slice(100, 106), slice(37, 43), 0.04),  # a smaller blue one
        (BLUE, slice(140, 150), slice(35, 45), 0.06),  # a bigger blue one
    ]
    subtask = "pick up the smaller red block and place it on the bigger red block."
    pick, place, noop = _pick_place(grounded_model, things, subtask)
    assert not noop
    assert abs(pick[0] - 23) <= 1.5 and abs(pick[1] - 40) <= 1.5  # the face's centre
    assert abs(place[0] - 65) <= 1.5 and abs(place[1] - 40) <= 1.5
    stacked = [things[0], (RED, slice(60, 70), slice(35, 45), 0.06), (RED, slice(62, 68), slice(37, 43), 0.10)]
    *_, noop = _pick_place(grounded_model, stacked[1:], subtask)
    assert noop  # the bigger red block is under the smaller one: no face of it to place on, the sub-task is done
