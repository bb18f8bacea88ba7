"""Where a sub-task's pick and place go: the score maps' modes, kept to the objects its text names.

The maps learned their colour words from long-horizon scenes that never show the test colours, so each map is
checked against what the detector and the heightmap show (the modules named below), in this order:

1. size_mask: "smaller"/"bigger" keep a map to the faces of that size in that colour (block_size.py; hard);
2. place_apart: a place on the pick point moves to the other object of the place colour.

Each is switched in the grounding config (grounding_config.py); `Targets.interventions` names those that moved a
chosen point, and `Targets.maps` are the score maps after all of them (for a viewer).


The result says whether the sub-task is a no-op here (a named block not seen, a place on itself with no other
object): the policy then plans again before spending a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from lohovla.policies.lohovla.action_grounding import WORKSPACE, apart_from, mask_cells, metres_apart, prob_at
from lohovla.policies.lohovla.action_head import map_mode
from lohovla.policies.lohovla.block_size import face_centre, sized_pixels
from lohovla.policies.lohovla.grounding_config import GroundingConfig
from lohovla.policies.lohovla.scene_reading import SceneReading
from lohovla.policies.lohovla.subtask import Subtask


@dataclass
class Targets:
    """Normalised (1, 2) pick and place starts for the flow head, and what the checks found."""

    pick_xy: torch.Tensor
    place_xy: torch.Tensor
    noop: bool = False  # the sub-task does nothing here (already done, or names what is not there)
    interventions: list[str] = field(default_factory=list)  # the checks that moved the pick or place start
    maps: tuple[torch.Tensor, torch.Tensor] | None = None  # pick and place logits after the checks
    model_xy: tuple[torch.Tensor, torch.Tensor] | None = None  # the model's own modes, before the checks


class GroundedTargets:
    """The checks above, under one grounding config."""

    def __init__(self, g: GroundingConfig) -> None:
        self.g = g

    def targets(
        self, scene: SceneReading, sub: Subtask, pick_logits: torch.Tensor, place_logits: torch.Tensor
    ) -> Targets:
        """Pick and place starts from the maps (B = 1) for the parsed sub-task (or goal) `sub`."""
        g, moved = self.g, Moves(pick_logits, place_logits)
        pick_c, place_c = sub.pick_color, sub.place_color
        cells = scene.cells(pick_logits.shape[-2:], g.action_dilate)
        maps, colours = (pick_logits, place_logits), (pick_c, place_c)
        (pick_logits, place_logits), faces, noop = self._sized(scene, sub, maps, colours)
        moved.check("size_mask", pick_logits, place_logits)
        pick_xy, place_xy = moved.modes  # the maps' modes, which the check just took
        radius = scene.face_widths_px()[1]
        centred = [xy if f is None else face_centre(f, xy, radius) for f, xy in zip(faces, (pick_xy, place_xy))]
        if any(not torch.equal(a, b) for a, b in zip(centred, (pick_xy, place_xy))):
            moved.add("size_mask")  # moved onto the sized face's centre
        pick_xy, place_xy = centred
        if place_c is not None and g.place_apart and metres_apart(pick_xy, place_xy) < g.apart_radius:
            apart = apart_from(place_logits, pick_xy, g.apart_radius, WORKSPACE)
            other = map_mode(apart) if torch.isfinite(apart).any() else None  # None: nowhere else to place
            placed = other is None or prob_at(cells, place_c, other) < g.object_prob
            noop = noop or placed
            if not placed:
                moved.add("place_apart")
            place_xy = place_xy if placed else other  # a place target apart from the pick: the other object
        maps = (pick_logits, place_logits)
        return Targets(pick_xy, place_xy, noop, moved.names, maps, moved.first)

    # --- the checks ------------------------------------------------------------------------------
    def _sized(
        self,
        scene: SceneReading,
        sub: Subtask,
        maps: tuple[torch.Tensor, torch.Tensor],
        colours: tuple[int | None, int | None],
    ) -> tuple[list[torch.Tensor], list[torch.Tensor | None], bool]:
        """The pick and place maps, each kept to the cells of the blocks of the size and colour its half of the text
        names (block_size.py), those blocks' pixels, and whether one named is nowhere to be seen (covered by a block
        already stacked on it, or not in the scene: a no-op). A map whose text names no size is left alone, as is
        one whose sized block is not seen (pixels None)."""
        g = self.g
        sizes = (sub.pick_size, sub.place_size)
        if not g.size_mask or all(s is None for s in sizes):
            return list(maps), [None, None], False
        faces = scene.sized_faces()
        out, targets, missing = [], [], False
        for logits, size, colour in zip(maps, sizes, colours):
            target = None
            if size is not None and colour is not None:
                target = sized_pixels(scene.pixels, colour, faces[:, size], g.object_prob)
                keep = mask_cells(target, logits.shape[-2:])
                target = target if keep.any() else None
                missing = missing or target is None
                kept = keep_cells(logits, keep) if target is not None else None
                logits = logits if kept is None else kept
            out.append(logits)
            targets.append(target)
        return out, targets, missing


class Moves:
    """Which checks moved a map's mode (the point the action starts from): `check(name, ...)` after each."""

    def __init__(self, pick_logits: torch.Tensor, place_logits: torch.Tensor) -> None:
        self.modes = self.first = (map_mode(pick_logits), map_mode(place_logits))
        self.names: list[str] = []

    def check(self, name: str, pick_logits: torch.Tensor, place_logits: torch.Tensor) -> None:
        modes = (map_mode(pick_logits), map_mode(place_logits))
        if any(not torch.equal(a, b) for a, b in zip(modes, self.modes)):
            self.add(name)
        self.modes = modes

    def add(self, name: str) -> None:
        if name not in self.names:
            self.names.append(name)


def keep_cells(logits: torch.Tensor, keep: torch.Tensor) -> torch.Tensor | None:
    """logits with the cells outside `keep` set to -inf; None where that leaves no finite cell (the masks before
    this one already ruled those out), so a map never loses every cell and its mode stays defined."""
    out = logits.masked_fill(~keep, float("-inf"))
    return out if bool(torch.isfinite(out).flatten(1).any(-1).all()) else None
