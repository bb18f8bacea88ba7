"""Colour reading: the colour word of a sub-task is read off the scene where the model points, not recalled.

Why: the long-horizon demonstrations name only the TRAIN colours, so the planner's colour words keep that prior
(in val and test scenes it writes gray or cyan where an orange or a pink block stands: docs/generalisation.md).
Where an object is does not depend on its colour's name, and which colour a pixel shows is a local question the
detector learned on all 11 colours (color_presence.py). So with a refer map (model.py, `text.refer_colors`) the
text head's logits change at every position where a colour word could win: the LM keeps its total probability of
writing a colour word there, and splits it over the colours as the detector sees them in the cells the refer map
points at, times the LM's own preference among them raised to `lm_weight` (0: the scene alone decides; 1: a
product of the two experts, where the LM breaks ties the scene leaves open, e.g. it copies the pick's colour to a
matching bowl when the refer map is unsure between two bowls). The LM still decides whether a colour word comes.

`ColorReader` stands in for the backbone wherever a decoder asks for logits (AR, batched AR, D2F, its AR
verification, LoPA and the grounding layer's re-decodings), so D2F still plans exactly AR's sub-tasks.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from lohovla.policies.lohovla.action_grounding import cell_probs
from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.model import LoHoVLAModel


class ColorReader:
    """The backbone's text head, with colour words read off one scene per batch row (dense map + detector cells)."""

    def __init__(
        self,
        model: LoHoVLAModel,
        dense: Callable[[], torch.Tensor],
        pixel_probs: torch.Tensor,
        lm_weight: float,
    ) -> None:
        """`dense()` makes the prompt's dense maps (B, C, h, w) (the first time a colour word could win; planner.py
        shares it with the action path); `pixel_probs` (B, K, H, W) the detector's eroded colour probabilities
        (ColorPresence.pixel_probs) at half resolution; `lm_weight` is `DecodeConfig.refer_lm_weight`."""
        if model.refer_map is None or model.presence is None:
            raise ValueError("colour reading needs a refer map (text.refer_colors) and a fitted colour detector")
        self.backbone: Backbone = model.backbone
        self.lm_weight = lm_weight
        self.refer_map = model.refer_map
        known = list(model.presence.colors)
        words = [w for w in model.cfg.text.refer_colors if w in known]
        ids = dict(zip(model.cfg.text.refer_colors, model.refer_ids()))
        self.ids = torch.tensor([ids[w] for w in words], device=pixel_probs.device)
        self.dense, self.pixels = dense, pixel_probs[:, [known.index(w) for w in words]]
        self._cells: torch.Tensor | None = None
        self._keys: torch.Tensor | None = None

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.backbone.embed(ids)

    def logits(self, hidden: torch.Tensor, rows: list[int] | torch.Tensor | None = None) -> torch.Tensor:
        """Text logits of `hidden` (N, H) or (N, L, H); `rows` (N,) says which prompt row each belongs to
        (default: row i for i < N, or row 0 for a single-scene prompt)."""
        logits = self.backbone.logits(hidden)
        flat, states = logits.reshape(-1, logits.shape[-1]), hidden.reshape(-1, hidden.shape[-1])
        n, per = hidden.shape[0], flat.shape[0] // hidden.shape[0]
        if rows is None:
            rows = torch.arange(n) if self.pixels.shape[0] == n else torch.zeros(n, dtype=torch.long)
        rows = torch.as_tensor(rows, dtype=torch.long).repeat_interleave(per)
        colour = flat[:, self.ids]
        mass = torch.logsumexp(colour.float(), -1)
        others = flat.float().index_fill(-1, self.ids, float("-inf")).max(-1).values
        where = torch.nonzero(mass >= others).flatten()  # only here can a colour word win the argmax
        if not len(where):
            return logits
        dense = self.dense()
        if self._cells is None:  # each colour's probability per dense cell and the map's keys, once per prompt
            self._cells = cell_probs(self.pixels, tuple(dense.shape[-2:]), 1).flatten(2)  # (B, K, h * w)
            self._keys = self.refer_map.key(dense)
        cells = self._cells
        r = rows[where.cpu()].to(dense.device)
        point = self.refer_map(dense[r], states[where], self._keys[r]).flatten(1).float().softmax(-1)  # (M, h * w)
        seen = torch.einsum("mc,mkc->mk", point, cells[r]).clamp_min(1e-6)
        read = mass[where, None] + (torch.log(seen) + self.lm_weight * colour[where].float()).log_softmax(-1)
        out = flat.clone()
        out[where[:, None], self.ids[None]] = read.to(out.dtype)
        return out.reshape(logits.shape)
