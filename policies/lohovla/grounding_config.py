"""The grounding layer's one config: the colour detector, and every check with its switch.

The checks are rules beside the model (DESIGN.md "grounding layer"): each has a name (`CHECKS`, what
`Step.interventions` records), a switch here, and the module that holds it. The config is saved whole with the
checkpoint (`model.grounding` in config.json) and loading refuses unknown or missing keys, so a changed code
default never silently changes a shipped policy. `GroundingConfig.off()` is the model alone. A check that val
removed is `RETIRED`: an older checkpoint still loads, with a warning that its setting no longer acts.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields, replace
from typing import Any

#: Every check of the grounding layer, in the order a decision meets them, and the module that holds it.
CHECKS: dict[str, str] = {
    "avoid_failed": "novel_plan.py: a re-plan does not write what just failed or was spent",
    "object_check": "object_check.py: the pick colour stands on a block, the place colour on the named kind",
    "object_kind": "object_check.py: a place kind no pick colour makes seen is decoded again from its preposition",
    "size_mask": "block_size.py: 'smaller'/'bigger' keep a map to faces of that size and colour",
    "place_apart": "grounded_targets.py: a place on the pick point moves to the other object of that colour",
    "noop_replan": "policy.py: a sub-task whose action is a no-op here is planned again",
    "noop_retry": "policy.py: a kept sub-task found done on a retry is planned again at once",
}


@dataclass(slots=True)
class GroundingConfig:
    """Colour detector (color_presence.py) settings, then one switch per check, then the checks' parameters."""

    # the detector (fitted after training by lohovla-fit-colors)
    colors: tuple[str, ...] = ()  # () : no detector; every check that reads colours is then off
    channels: int = 32
    erode: int = 3  # min-pooling window (pixels) over a colour's probabilities: outlines vanish, objects do not
    # the switches, one per check (CHECKS); the checks val retired, and their settings, are in RETIRED
    avoid_failed: int = 1  # re-plans avoid the last this-many failed sub-tasks and the spent ones; 0: off
    object_check: bool = True
    # needs object_check; on val (the split soup, 50 per task) 20 episodes won, 5 lost, H 14 -> 48%
    # (benchmarks/results/val50_soup_split_kind.json against val50_soup_split_recipe.json)
    object_kind: bool = True
    size_mask: bool = False  # off: level on val (benchmarks/results/check_ablation_val100_questions_size_mask.json)
    place_apart: bool = True
    noop_replans: int = 2  # noop_replan: how often a planned no-op is planned again; 0: off
    noop_retry: bool = True
    # the checks' parameters
    action_dilate: int = 3  # place_apart: a cell counts a colour seen within this many cells (odd)
    stand_height: float = 0.02  # a patch this high (m) above the table stands (a block), lower lies flat
    object_prob: float = 0.5  # a named object's colour is a patch's main colour at this probability
    apart_radius: float = 0.04  # place_apart: a place point nearer the pick point than this (m) moves
    face_share: float = 0.75  # size_mask: a face holds a disk this share of its block's size (envs.spec sizes)
    face_tol: float = 0.008  # heights within this (m) are one face

    def __post_init__(self) -> None:
        if self.avoid_failed < 0 or self.noop_replans < 0:
            raise ValueError("avoid_failed and noop_replans must be >= 0")

    @property
    def detector(self) -> bool:
        return bool(self.colors)

    @property
    def grounds_actions(self) -> bool:
        """Some check reads the detector's per-pixel maps to ground the action."""
        return self.detector and (self.size_mask or self.place_apart)

    def off(self) -> GroundingConfig:
        """The same detector settings with every check off: the model alone (`load_policy(..., grounding=False)`)."""
        return replace(
            self,
            avoid_failed=0,
            object_check=False,
            object_kind=False,
            size_mask=False,
            place_apart=False,
            noop_replans=0,
            noop_retry=False,
        )

    def with_overrides(self, overrides: dict[str, Any] | None) -> GroundingConfig:
        """A copy with some fields replaced; an unknown key is an error."""
        unknown = sorted(set(overrides or {}) - {f.name for f in fields(self)})
        if unknown:
            raise KeyError(f"unknown grounding settings {unknown}")
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in (overrides or {}).items()}
        return replace(self, **values)


def switch_off(check: str) -> dict[str, Any]:
    """The one setting that turns `check` (a name in CHECKS) off: its switch, at `GroundingConfig.off()`'s value."""
    if check not in CHECKS:
        raise KeyError(f"unknown check {check!r}; the checks are {sorted(CHECKS)}")
    name = check if check in {f.name for f in fields(GroundingConfig)} else f"{check}s"  # noop_replan: a count
    return {name: getattr(GroundingConfig().off(), name)}


#: Settings of checks that were removed after measuring them on val (docs/generalisation.md), and why.
RETIRED: dict[str, str] = {
    "color_bias": "the colour bias cost more val episodes than it saved",
    "min_prob": "it was the colour bias's threshold",
    "flow_reach": "it changed no val episode",
    "reach": "it was flow_reach's distance",
    "evidence_replan": "it won as many val episodes as it lost on the refer-map weights (10 and 10)",
    "color_floor": "it changed one val episode on the refer-map weights (won with it off)",
    "action_floor": "it was color_floor's floor",
    "in_place": "it changed no val episode on the refer-map weights",
    "inside_share": "it was in_place's threshold",
    "inside_ring": "it was in_place's ring",
    "zone_mask": "it never intervened on val with the refer-map weights",
}


#: Settings added after checkpoints were saved without them, at the value that keeps such a checkpoint's behaviour.
ADDED: dict[str, Any] = {"object_kind": False}


def check_complete(values: dict[str, Any], where: str, keep_behaviour: bool = True) -> dict[str, Any]:
    """A checkpoint's grounding section must name every setting, and only known ones (one clear line if not).

    Returns it without retired settings (each named in a warning: that checkpoint now runs without the check), and
    with the settings it predates (`ADDED`) at their old behaviour's value, or with `keep_behaviour` off at today's
    defaults (a tool that writes a new checkpoint from old runs, as a run started today would)."""
    today = GroundingConfig()
    values = {**{k: old if keep_behaviour else getattr(today, k) for k, old in ADDED.items()}, **values}
    retired = sorted(set(values) & set(RETIRED))
    if retired:
        why = "; ".join(f"{k}: {RETIRED[k]}" for k in retired)
        warnings.warn(f"{where}: grounding settings {retired} are retired and ignored ({why})", stacklevel=2)
        values = {k: v for k, v in values.items() if k not in RETIRED}
    known = {f.name for f in fields(GroundingConfig)}
    missing, unknown = sorted(known - set(values)), sorted(set(values) - known)
    if missing or unknown:
        raise ValueError(
            f"{where}: model.grounding must hold every grounding setting"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {unknown}" if unknown else "")
        )
    return values


def grounding_settings(saved: GroundingConfig, grounding: bool | dict[str, Any] | GroundingConfig) -> GroundingConfig:
    """The checkpoint's grounding config (True), every check off (False), a given config, or overrides (a dict)."""
    if isinstance(grounding, GroundingConfig):
        return grounding
    if isinstance(grounding, dict):
        return saved.with_overrides(grounding)
    if not isinstance(grounding, bool):
        raise ValueError(f"grounding must be true, false or a dict of grounding settings, not {grounding!r}")
    return saved if grounding else saved.off()
