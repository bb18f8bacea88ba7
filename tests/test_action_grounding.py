"""Grounded actions: the score maps peak where the colours the text names are; off, the action is the old one."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
import torch
from _d2f_fixtures import sharp_model
from _model_fixtures import random_obs

from lohovla.policies.base import Action, Feedback
from lohovla.policies.lohovla import action_grounding as grounding
from lohovla.policies.lohovla.action_grounding import cell_probs, ground_map
from lohovla.policies.lohovla.action_head import map_mode
from lohovla.policies.lohovla.color_presence import ColorPresence
from lohovla.policies.lohovla.config import GroundingConfig
from lohovla.policies.lohovla.policy import LoHoVLAPolicy
from lohovla.policies.lohovla.subtask import parse

COLORS = ("red", "blue", "green")
PICK, PLACE = 20, 30  # half-res rows where the red and the blue thing are (of 160)


def test_cells_take_the_max_and_dilate() -> None:
    probs = torch.zeros(1, 1, 8, 8)
    probs[0, 0, 1, 1] = 0.9
    assert cell_probs(probs, (4, 4), 1)[0, 0].nonzero().tolist() == [[0, 0]]
    spread = cell_probs(probs, (4, 4), 3)[0, 0]
    assert spread[1, 1] == pytest.approx(0.9) and spread[2, 2] == 0


def test_ground_map_moves_the_mode_to_the_named_colour() -> None:
    logits = torch.zeros(1, 4, 4)
    logits[0, 0, 0] = 3.0  # the map prefers cell (0, 0)
    cells = torch.full((1, 2, 4, 4), 1e-4)
    cells[0, 1, 3, 3] = 0.9  # colour 1 is only seen at (3, 3)
    grounded = ground_map(logits, cells, 1, floor=1e-3)
    assert grounded[0].flatten().argmax() == 15
    assert ground_map(logits, cells, 0, floor=1e-3)[0].flatten().argmax() == 0  # colour 0 nowhere: no preference
    assert torch.equal(ground_map(logits, cells, None, 1e-3), logits)
    assert torch.equal(ground_map(logits, cells, 1, floor=1.0), logits)  # floor 1: off
    sharp = logits * 30  # a confident map: a soft floor cannot move it, the hard mask (floor 0) does
    assert ground_map(sharp, cells, 1, floor=1e-3)[0].flatten().argmax() == 0
    hard = ground_map(sharp, cells, 1, floor=0.0)[0].flatten()
    assert hard.argmax() == 15 and torch.isinf(hard).sum() == 15
    assert torch.equal(ground_map(sharp, cells, 0, floor=0.0), sharp)  # colour 0 seen nowhere: unchanged


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
    # every check on, the ones off by default included: these tests are about what each check does
    on = {"evidence_replan": True, "color_floor": True, "in_place": True, "zone_mask": True}
    model.cfg.grounding = GroundingConfig(colors=COLORS, channels=4, action_floor=1e-6, action_dilate=1, **on)
    model.presence = _Map(COLORS, channels=4)
    model.cfg.action.start_sigma = 0.0
    with torch.no_grad():
        model.flow.out[-1].weight.zero_(), model.flow.out[-1].bias.zero_()  # the flow keeps the maps' modes
    return model


@torch.no_grad()
def _action_rows(model, ground: bool) -> tuple[float, float]:
    """Heightmap rows (of 320) of the pick and place of one decision, for a sub-task naming red then blue."""
    policy = LoHoVLAPolicy(model, grounding=ground)
    obs = random_obs(0)
    policy.reset(obs["goal"])
    policy.subtask_ids = model.codec.encode("pick up the red block and place it in the blue bowl.")
    prompt, scene = policy._prefill(obs)
    assert (scene is not None) == ground
    h = policy._readout(prompt.cache, policy.subtask_ids, 0)
    pick_logits, place_logits = model.action_maps(prompt.dense, h)
    if ground:
        g = model.cfg.grounding
        sub = parse(policy.subtask_ids, policy.checks.words)
        pick_c, place_c = sub.pick_color, sub.place_color
        cells = cell_probs(scene.pixels, pick_logits.shape[-2:], g.action_dilate)
        pick_logits = ground_map(pick_logits, cells, pick_c, g.action_floor)
        place_logits = ground_map(place_logits, cells, place_c, g.action_floor)
    rows = [(float(map_mode(m)[0, 1]) + 1) / 2 * 320 for m in (pick_logits, place_logits)]
    action, _ = policy._action(prompt, scene, h, obs["height"])  # what the policy itself does must agree
    env_rows = [(p[0][1] + 0.5) / 0.003125 for p in (action.pick, action.place)]
    assert env_rows == pytest.approx(rows, abs=1.0)
    return rows[0], rows[1]


def test_policy_picks_and_places_where_the_named_colours_are(grounded_model) -> None:
    pick, place = _action_rows(grounded_model, ground=True)
    assert abs(pick - 2 * PICK) <= 4 and abs(place - 2 * PLACE) <= 4
    free_pick, free_place = _action_rows(grounded_model, ground=False)
    assert abs(free_pick - 2 * PICK) > 4 or abs(free_place - 2 * PLACE) > 4  # the random maps peak elsewhere


class _Reds(ColorPresence):
    """Red around row PICK and, with `twice`, a second red thing around row 3 * PICK; nothing else."""

    twice = False

    def pixel_maps(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probs = torch.zeros(color.shape[0], len(self.colors), *color.shape[1:3])
        probs[:, 0, PICK - 2 : PICK + 2, 38:42] = 0.95
        if self.twice:
            probs[:, 0, 3 * PICK - 2 : 3 * PICK + 2, 38:42] = 0.95
        return with_classes(probs)


@torch.no_grad()
@pytest.mark.parametrize("twice", [False, True])
def test_a_place_on_the_pick_point_goes_to_the_other_object_or_is_a_noop(grounded_model, twice: bool) -> None:
    model = grounded_model
    detector, model.presence = model.presence, _Reds(COLORS, channels=4)
    model.presence.twice = twice
    try:
        policy = LoHoVLAPolicy(model)
        obs = random_obs(0)
        policy.reset(obs["goal"])
        policy.subtask_ids = model.codec.encode("pick up the red block and place it on the red block.")
        prompt, scene = policy._prefill(obs)
        action, t = policy._action(prompt, scene, policy._readout(prompt.cache, policy.subtask_ids, 0), obs["height"])
        noop = t.noop
    finally:
        model.presence = detector
    pick_row, place_row = ((p[0][1] + 0.5) / 0.003125 for p in (action.pick, action.place))
    assert abs(pick_row - 2 * PICK) <= 4 or abs(pick_row - 6 * PICK) <= 4
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


RED, BLUE, GREEN = 0, 1, 2
ZONE_ROWS, ZONE_COLS = slice(100, 124), slice(28, 52)  # a blue zone, 15 cm square


@torch.no_grad()
@pytest.mark.parametrize("outside", [True, False])
def test_a_block_already_in_its_zone_is_not_picked_again(grounded_model, outside: bool) -> None:
    zone = (BLUE, ZONE_ROWS, ZONE_COLS, 0.0)
    inside = (RED, slice(109, 115), slice(37, 43), 0.04)  # a red block in the middle of the blue zone
    things = [zone, inside] + ([(RED, slice(20, 26), slice(37, 43), 0.04)] if outside else [])
    pick, _, noop = _pick_place(grounded_model, things, "pick up the red block and place it in the blue zone.")
    if outside:  # the sharp random map may prefer either: the one in the zone is masked
        assert not noop and abs(pick[0] - 23) <= 4 and abs(pick[1] - 40) <= 4
    else:  # the only red block is in place already
        assert noop


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


@torch.no_grad()
@pytest.mark.parametrize("in_zone", [True, False])
def test_a_block_set_down_beside_its_zone_is_not_done_as_written(grounded_model, in_zone: bool) -> None:
    """Done as written (the block inside the named zone) and unrewarded: the sub-task is avoided for the episode;
    set down beside the zone, it was a miss and may be tried again."""
    model = grounded_model
    block = (RED, slice(109, 115), slice(37, 43), 0.04) if in_zone else (RED, slice(130, 136), slice(37, 43), 0.04)
    things = [(BLUE, ZONE_ROWS, ZONE_COLS, 0.0), block]
    with _layout_policy(model, things, "pick up the red block and place it in the blue zone.") as (
        policy,
        obs,
        prompt,
        scene,
    ):
        up = np.array([0.0, 0.0, 0.0, 1.0])
        place = np.array([0.25 + 40 * 0.00625, -0.5 + 112 * 0.00625, 0.04])  # the zone's middle
        policy.last_move = (obs["height"], Action(pick=(np.array([0.3, 0.0, 0.02]), up), place=(place, up)))
        assert policy._landed(scene) == in_zone


@torch.no_grad()
def test_a_sized_block_already_in_its_zone_is_a_noop_not_an_empty_map(grounded_model) -> None:
    """The size mask keeps only the bigger red block, in its zone; the in-place check, seeing the smaller red block
    outside, would remove the bigger one too: the map must keep a cell (its mode defined), and the sub-task is
    done."""
    things = [
        (RED, ZONE_ROWS, ZONE_COLS, 0.0),
        (RED, slice(107, 117), slice(35, 45), 0.06),  # the bigger red block, inside the red zone
        (RED, slice(20, 26), slice(37, 43), 0.04),  # the smaller one, outside
    ]
    pick, place, noop = _pick_place(
        grounded_model, things, "pick up the bigger red block and place it in the red zone."
    )
    assert noop and all(np.isfinite(pick)) and all(np.isfinite(place))


@torch.no_grad()
def test_a_place_in_a_zone_keeps_to_that_zone(grounded_model) -> None:
    """The place map may peak on another zone: the place keeps to the zone named, whatever the soft colour floor
    would allow."""
    model = grounded_model
    things = [
        (BLUE, ZONE_ROWS, ZONE_COLS, 0.0),  # the blue zone, rows 100-123
        (GREEN, slice(20, 44), slice(28, 52), 0.0),  # a green zone
        (RED, slice(60, 66), slice(37, 43), 0.04),  # a red block
    ]
    with _layout_policy(model, things, "pick up the red block and place it in the blue zone.") as (
        policy,
        _,
        prompt,
        scene,
    ):
        for row in (8, 15):  # cells (of 40 x 20) on the green zone, on the red block
            logits = torch.zeros(1, 40, 20)
            logits[0, row, 10] = 50.0
            cells = cell_probs(scene.pixels, (40, 20), 3)
            kept = policy.grounding._on_floor(parse(policy.subtask_ids, policy.checks.words), logits, cells)
            r = int(kept[0].flatten().argmax()) // 20
            assert 24 <= r <= 31  # the blue zone's cells (rows 100-123 of 160), a cell around
