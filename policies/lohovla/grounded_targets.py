"""Where a sub-task's pick and place go: the score maps' modes, kept to the objects its text names.

The maps learned their colour words from long-horizon scenes that never show the test colours, so each map is
checked against what the detector and the heightmap show (the modules named below), in this order:

1. colour: the cells where the named colour is (action_grounding.py; a soft floor);
2. size: "smaller"/"bigger" keep a map to the faces of that size in that colour (block_size.py; hard);
3. already in place: the pick skips blocks already inside the bowl or zone the text places in (in_place.py),
   and a place in a zone keeps to that zone (hard);
4. a place on the pick point moves to the other object of the place colour (`place_apart`).

Where the size mask chose a target, `Targets.sized` tells the policy to keep the flow head's refinement near it.

The result says whether the sub-task is a no-op here (nothing of the pick colour left to move, a named block not
seen, a place on itself with no other object): the policy then plans again before spending a step. `landed`
reads, after a step, whether its block went inside the bowl or zone the text named.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lohovla.policies.lohovla.action_codec import to_norm
from lohovla.policies.lohovla.action_grounding import (
    WORKSPACE,
    apart_from,
    cell_probs,
    ground_map,
    mask_cells,
    metres_apart,
    named_words,
    prob_at,
    word_positions,
)
from lohovla.policies.lohovla.action_head import map_mode
from lohovla.policies.lohovla.block_size import (
    SIZE_WORDS,
    disk_centres,
    face_centre,
    grow_to_faces,
    sized_faces,
    sized_pixels,
)
from lohovla.policies.lohovla.in_place import metres_to_pixels, ring_share
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.object_check import FLAT_KINDS
from lohovla.policies.lohovla.planner import Prompt


@dataclass
class Targets:
    """Normalised (1, 2) pick and place starts for the flow head, and what the checks found."""

    pick_xy: torch.Tensor
    place_xy: torch.Tensor
    noop: bool = False  # the sub-task does nothing here (already done, or names what is not there)
    sized: tuple[bool, bool] = (False, False)  # pick, place chosen on a face of the named size (a hard mask)


class GroundedTargets:
    """The checks above for one model (its detector, grounding settings and template words)."""

    def __init__(self, model: LoHoVLAModel) -> None:
        self.model, self.g = model, model.cfg.grounding

    def targets(
        self, prompt: Prompt, text: list[int], pick_logits: torch.Tensor, place_logits: torch.Tensor
    ) -> Targets:
        """Pick and place starts from the maps (B = 1) for the sub-task (or goal) tokens `text`."""
        m, g = self.model, self.g
        pick_c, place_c = named_words(text, m.color_token_ids(), m.word_id("place"))
        cells = cell_probs(prompt.pixels, pick_logits.shape[-2:], g.action_dilate)
        at = cell_probs(prompt.pixels, pick_logits.shape[-2:], 1) if g.action_floor == 0 else cells
        pick_logits = ground_map(pick_logits, at, pick_c, g.action_floor)  # hard: the pick on the colour itself
        place_logits = ground_map(place_logits, cells, place_c, g.action_floor)
        maps, colours = (pick_logits, place_logits), (pick_c, place_c)
        (pick_logits, place_logits), faces, unseen = self._sized(prompt, text, maps, colours)
        pick_logits, noop = self._not_in_place(prompt, text, pick_logits, pick_c, place_c)
        noop = noop or unseen
        place_logits = self._on_floor(prompt, text, place_logits, place_c, cells)
        pick_xy, place_xy = map_mode(pick_logits), map_mode(place_logits)
        radius = g.face_widths[1] / self._pixel(prompt)
        pick_xy = pick_xy if faces[0] is None else face_centre(faces[0], pick_xy, radius)
        place_xy = place_xy if faces[1] is None else face_centre(faces[1], place_xy, radius)
        sized = (faces[0] is not None, faces[1] is not None)
        if place_c is not None and g.place_apart > 0 and metres_apart(pick_xy, place_xy) < g.place_apart:
            apart = apart_from(place_logits, pick_xy, g.place_apart, WORKSPACE)
            other = map_mode(apart) if torch.isfinite(apart).any() else None  # None: nowhere else to place
            placed = other is None or prob_at(cells, place_c, other) < g.object_prob
            noop = noop or placed
            place_xy = place_xy if placed else other  # a place target apart from the pick: the other object
        return Targets(pick_xy, place_xy, noop, sized)

    def landed(self, prompt: Prompt, text: list[int], place_world_xy) -> bool:
        """After a step that carried `text` out: the block sits inside the bowl or zone it names (a block face
        inside it near the place point), so the sub-task was done as written. True for a place on a block
        (step_evidence.py read that) or when this cannot tell."""
        m, g = self.model, self.g
        _, place_c = named_words(text, m.color_token_ids(), m.word_id("place"))
        if place_c is None or g.inside_share <= 0 or not self._places_in_flat(prompt, text):
            return True
        _, seeds, _ = self._face_centres(prompt, place_c)
        h, w = seeds.shape[-2:]
        nx, ny = to_norm(*place_world_xy)
        r, c = int((ny + 1) / 2 * h), int((nx + 1) / 2 * w)
        k = metres_to_pixels(g.place_apart, self._pixel(prompt))  # the block lands within a few cm of the point
        return bool(seeds[0, max(r - k, 0) : r + k + 1, max(c - k, 0) : c + k + 1].any())

    # --- the checks ------------------------------------------------------------------------------
    @staticmethod
    def _pixel(prompt: Prompt) -> float:
        """Metres per pixel of the prompt's half-resolution maps."""
        return WORKSPACE[0] / prompt.height.shape[-1]

    def _sized(
        self,
        prompt: Prompt,
        text: list[int],
        maps: tuple[torch.Tensor, torch.Tensor],
        colours: tuple[int | None, int | None],
    ) -> tuple[list[torch.Tensor], list[torch.Tensor | None], bool]:
        """The pick and place maps, each kept to the cells of the blocks of the size and colour its half of the text
        names (block_size.py), those blocks' pixels, and whether one named is nowhere to be seen (covered by a block
        already stacked on it, or not in the scene: a no-op). A map whose text names no size is left alone, as is
        one whose sized block is not seen (pixels None)."""
        m, g = self.model, self.g
        sizes = named_words(text, [m.word_id(w) for w in SIZE_WORDS], m.word_id("place"))
        if not g.size_words or all(s is None for s in sizes):
            return list(maps), [None, None], False
        px = self._pixel(prompt)
        widths = (g.face_widths[0] / px, g.face_widths[1] / px)
        faces = sized_faces(prompt.height, g.stand_height, widths, g.face_tol)
        out, targets, missing = [], [], False
        for logits, size, colour in zip(maps, sizes, colours):
            target = None
            if size is not None and colour is not None:
                target = sized_pixels(prompt.pixels, colour, faces[:, size], g.object_prob)
                keep = mask_cells(target, logits.shape[-2:])
                target = target if keep.any() else None
                missing = missing or target is None
                kept = keep_cells(logits, keep) if target is not None else None
                logits = logits if kept is None else kept
            out.append(logits)
            targets.append(target)
        return out, targets, missing

    def _on_floor(
        self, prompt: Prompt, text: list[int], place_logits: torch.Tensor, place_c: int | None, cells: torch.Tensor
    ) -> torch.Tensor:
        """The place map kept to the zone the text places in: the cells where its colour is seen, a cell around
        (`cells`: action_grounding.cell_probs; hard). A zone is 15 cm across, so no precision is lost, and the soft
        floor let "the purple zone" land in the pink one (two test colours long-horizon training never showed).
        Bowls keep the soft floor: a bowl holds one block, and where the planner names a full bowl again the
        place map's own pick of an empty bowl is the better one (a hard mask there cost F 13 points of 58)."""
        g = self.g
        if place_c is None or not g.hard_zone or not self._places_in_flat(prompt, text, ("zone",)):
            return place_logits
        kept = keep_cells(place_logits, cells[:, place_c] >= g.object_prob)
        return place_logits if kept is None else kept

    def _places_in_flat(self, prompt: Prompt, text: list[int], kinds: tuple[str, ...] = FLAT_KINDS) -> bool:
        """The text places in a bowl or zone (lying flat; or one of `kinds`), and the detector's classes are at
        hand."""
        m = self.model
        _, j = word_positions(text, m.color_token_ids(), m.word_id("place"))
        flat = {m.word_id(w) for w in kinds}
        return prompt.classes is not None and j is not None and j + 1 < len(text) and text[j + 1] in flat

    def _face_centres(self, prompt: Prompt, place_c: int) -> tuple[torch.Tensor, torch.Tensor, float]:
        """(B, H, W) the blocks' face centres (of either size), those of them inside the bowl or zone of colour
        `place_c` (in_place.py), and the face width (pixels) they were found with."""
        g, px = self.g, self._pixel(prompt)
        inner, outer = (metres_to_pixels(r, px) for r in g.inside_ring)
        table = len(self.model.presence.colors)
        share = ring_share(prompt.classes, prompt.height, place_c, table, g.stand_height, inner, outer)
        width = g.face_widths[0] / px
        centres = disk_centres(prompt.height, g.stand_height, width, g.face_tol)
        return centres, centres & (share >= g.inside_share), width

    def _not_in_place(
        self, prompt: Prompt, text: list[int], pick_logits: torch.Tensor, pick_c: int | None, place_c: int | None
    ) -> tuple[torch.Tensor, bool]:
        """The pick map without the blocks already inside the bowl or zone the text places in (in_place.py), and
        whether that left none of the pick colour (the sub-task is done: a no-op)."""
        g = self.g
        if pick_c is None or place_c is None or g.inside_share <= 0 or not self._places_in_flat(prompt, text):
            return pick_logits, False  # placed on a block: place_apart's check
        centres, seeds, width = self._face_centres(prompt, place_c)
        hw = pick_logits.shape[-2:]
        inside = mask_cells(grow_to_faces(seeds, prompt.height, width, g.face_tol), hw)
        tops = grow_to_faces(centres, prompt.height, width, g.face_tol)  # blocks' faces, not a bowl or zone's floor
        own = mask_cells((prompt.pixels[:, pick_c] >= g.object_prob) & tops, hw)
        kept = keep_cells(pick_logits, ~inside) if (own & ~inside).any() else None
        if kept is not None:
            return kept, False
        return pick_logits, bool(own.any())  # all of the pick colour in place (or masked before): done


def keep_cells(logits: torch.Tensor, keep: torch.Tensor) -> torch.Tensor | None:
    """logits with the cells outside `keep` set to -inf; None where that leaves no finite cell (the masks before
    this one already ruled those out), so a map never loses every cell and its mode stays defined."""
    out = logits.masked_fill(~keep, float("-inf"))
    return out if bool(torch.isfinite(out).flatten(1).any(-1).all()) else None
