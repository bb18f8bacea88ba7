"""Pure part of the fidelity benchmark: what a scene record says (features), and how two samples compare.

A scene record is a dict with the split, the goal text, max_steps and the objects (kind, colour, size,
position), from the original or from ours. Every feature is read from that record alone, by the same rule on
both sides, so neither side's internals (which the task files keep changing) decide a count. The areas follow
LoHoRavens: "top" is x < 0.5, "bottom" x > 0.5, "left" y < 0, "right" y > 0.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

ALL_COLORS = ("blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown", "white", "gray")
TRAIN_COLORS = ("blue", "red", "green", "yellow", "brown", "gray", "cyan")
EVAL_COLORS = ("blue", "red", "green", "orange", "purple", "pink", "white")
AREAS = ("top left", "top right", "bottom left", "bottom right")
BIG = 0.05  # a block wider than this is a bigger (6 cm) block

#: Our task id -> (letter, the original's MODULE:CLASS under cliport/tasks, the original's registry name).
TASKS: dict[str, tuple[str, str, str]] = {
    "pick-and-place-primitive": ("A", "pick_and_place_primitive:PickAndPlacePrimitive", "pick-and-place-primitive"),
    "put-block-into-matching-bowl": ("B", "put_block_in_bowl:PutBlockInMatchingBowl", "put-block-in-matching-bowl"),
    "stack-smaller-over-bigger-with-same-color": (
        "C",
        "size_reasoning_tasks:StackSmallerOverBiggerWithSameColor",
        "stack-smaller-over-bigger-with-same-color",
    ),
    "stack-block-in-absolute-area": (
        "D",
        "spatial_reasoning_tasks:StackBlockInAbsoluteArea",
        "stack-block-in-absolute-area",
    ),
    "put-even-blocks-in-same-color-zone": (
        "E",
        "arithmetic_reasoning:PutEvenBlockInSameColorZone",
        "put-even-block-in-same-color-zone",
    ),
    "put-block-into-mismatching-bowl": (
        "F",
        "put_block_in_bowl:PutBlockInMismatchingBowl",
        "put-block-in-mismatching-bowl",
    ),
    "stack-blocks-of-same-size": ("G", "size_reasoning_tasks:StackBlockOfSameSize", "stack-block-of-same-size"),
    "stack-blocks-with-alternate-color": (
        "H",
        "stack_block_pyramid_seq:StackBlockWithAlternateColor",
        "stack-block-with-alternate-color",
    ),
    "stack-smaller-over-bigger-with-same-color-in-same-color-zone": (
        "I",
        "size_reasoning_tasks:StackSmallerOverBiggerWithSameColorInSameColorZone",
        "stack-smaller-over-bigger-with-same-color-in-same-color-zone",
    ),
    "move-blocks-between-absolute-positions": (
        "J",
        "spatial_reasoning_tasks:MoveBlockInXAreaToYArea",
        "move-block-in-x-area-to-y-area",
    ),
    "stack-blocks-of-same-color": ("K", "coreference_reasoning:StackBlockOfSameColor", "stack-block-of-same-color"),
}


def palette(letter: str, split: str) -> tuple[str, ...]:
    """Colours a task may draw from: all 11 for the primitive (A), the split's set for long-horizon tasks."""
    if letter == "A":
        return ALL_COLORS
    return TRAIN_COLORS if split == "train" else EVAL_COLORS


def in_area(xy, area: str, swapped: bool = False) -> bool:
    """Whether a world xy lies in a named quadrant: LoHoRavens' meaning, or with the x and y axes swapped."""
    x, y = float(xy[0]), float(xy[1])
    vertical, horizontal = area.split()
    along_top, along_left = (y, x - 0.5) if swapped else (x - 0.5, y)
    return (along_top < 0) == (vertical == "top") and (along_left < 0) == (horizontal == "left")


def goal_areas(goal: str) -> list[str]:
    """Quadrant names in the order the goal text names them."""
    hits = sorted((goal.find(a + " area"), a) for a in AREAS if a + " area" in goal)
    return [a for _, a in hits]


def features(letter: str, scene: dict[str, Any]) -> dict[str, float | str]:
    """Named counts of one scene: the same rule for the original's record and ours."""
    objs = scene["objects"]
    blocks = [o for o in objs if o["kind"] == "block"]
    bowls = [o for o in objs if o["kind"] == "bowl"]
    zones = [o for o in objs if o["kind"] == "zone"]
    big = [b for b in blocks if (b.get("size") or 0) > BIG]
    pal = palette(letter, scene["split"])
    f: dict[str, float | str] = {
        "blocks": len(blocks),
        "bigger blocks": len(big),
        "bowls": len(bowls),
        "zones": len(zones),
        "objects off the split palette": sum(o["color"] not in pal for o in objs),
        "max_steps": scene["max_steps"],
    }
    if any("in_goal" in o for o in objs):  # the original's own goal list (the base of a stack is not in it)
        f["objects in the original's goal list"] = sum(bool(o.get("in_goal")) for o in objs)
    bowl_colors = Counter(o["color"] for o in bowls)
    block_colors = Counter(b["color"] for b in blocks)
    if letter == "A":
        f["target kind"] = next((k for k in ("block", "bowl", "zone") if scene["goal"].rstrip(".").endswith(k)), "?")
    elif letter in ("B", "F"):
        own = [b for b in blocks if bowl_colors[b["color"]]]
        f["blocks with own-colour bowl"] = len(own)
        f["blocks without own-colour bowl"] = len(blocks) - len(own)
        f["bowls matching no block"] = sum(n for c, n in bowl_colors.items() if not block_colors[c])
        if letter == "B":
            f["goal blocks"] = len(own)
            f["distractors"] = f["blocks without own-colour bowl"] + f["bowls matching no block"]
        else:
            other = [b for b in blocks if any(c != b["color"] for c in bowl_colors)]
            f["goal blocks"] = len(other)
            f["distractors"] = len(blocks) - len(other) + f["bowls matching no block"]
    elif letter in ("C", "I"):
        pairs = [c for c in block_colors if _sizes(blocks, c) == {"small", "big"}]
        if letter == "I":
            pairs = [c for c in pairs if any(z["color"] == c for z in zones)]
        f["goal blocks"] = 2 * len(pairs)
        f["distractors"] = len(blocks) - 2 * len(pairs)
    elif letter in ("D", "J"):
        areas = goal_areas(scene["goal"])
        if letter == "D":
            f["goal area"] = areas[0] if areas else "?"
        else:
            f["source area"], f["target area"] = (areas + ["?", "?"])[:2]
        if areas:
            src = areas[0]
            f["goal blocks"] = sum(in_area(b["position"], src) for b in blocks)
            f["blocks in the named area, axes swapped"] = sum(in_area(b["position"], src, swapped=True) for b in blocks)
            f["named area holds < 3 blocks"] = int(f["goal blocks"] < 3)  # the original redraws until 3-6
            f["distractors"] = len(blocks) - f["goal blocks"]
            if letter == "J" and len(areas) > 1:
                f["blocks already in the target area"] = sum(in_area(b["position"], areas[1]) for b in blocks)
    elif letter == "E":
        even = {c for c, n in block_colors.items() if n % 2 == 0 and any(z["color"] == c for z in zones)}
        f["goal blocks"] = sum(block_colors[c] for c in even)
        f["distractors"] = len(blocks) - f["goal blocks"]
    elif letter == "G":
        f["smaller blocks"] = len(blocks) - len(big)
        f["unsolvable (1 bigger + 1 smaller)"] = int(len(big) == 1 and len(blocks) - len(big) == 1)
        f["goal blocks"] = len(blocks)
    elif letter == "H":
        f["colour split"] = "+".join(str(n) for n in sorted(block_colors.values(), reverse=True))
        f["goal blocks"] = len(blocks)
    elif letter == "K":
        stacks = [c for c, n in block_colors.items() if n >= 2]
        f["colours to stack"] = len(stacks)
        f["goal blocks"] = sum(block_colors[c] for c in stacks)
        f["distractors"] = len(blocks) - f["goal blocks"]
    return f


def _sizes(blocks: list[dict], color: str) -> set[str]:
    return {"big" if (b.get("size") or 0) > BIG else "small" for b in blocks if b["color"] == color}


# --- comparing two samples -----------------------------------------------------------------------------
def distribution(values: list) -> dict[str, float]:
    """Share of each value, keys as text (JSON keys), sorted."""
    counts = Counter(str(v) for v in values)
    n = max(1, len(values))
    return {k: counts[k] / n for k in sorted(counts, key=_sort_key)}


def _sort_key(k: str):
    try:
        return (0, float(k), k)
    except ValueError:
        return (1, 0.0, k)


def tv_distance(a: list, b: list) -> float:
    """Total variation distance between the value distributions of two samples (0 same, 1 disjoint)."""
    da, db = distribution(a), distribution(b)
    return 0.5 * sum(abs(da.get(k, 0.0) - db.get(k, 0.0)) for k in set(da) | set(db))


def ks_distance(a: list, b: list) -> float:
    """Largest gap between the two samples' cumulative distributions (numbers only)."""
    xa, xb = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    grid = np.union1d(xa, xb)
    cdf_a = np.searchsorted(xa, grid, side="right") / len(xa)
    cdf_b = np.searchsorted(xb, grid, side="right") / len(xb)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _numeric(values: list) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def distance(a: list, b: list) -> float:
    """KS distance for counts (sensitive to a shift), TV distance for words (categories have no order)."""
    return ks_distance(a, b) if _numeric(a) and _numeric(b) else tv_distance(a, b)


def permutation_p(a: list, b: list, rounds: int = 2000, seed: int = 0) -> float:
    """p-value of `distance` under 'both samples come from one distribution' (label permutation)."""
    if not a or not b:
        return float("nan")
    observed = distance(a, b)
    if observed == 0.0:
        return 1.0
    pooled = list(a) + list(b)
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(rounds):
        order = rng.permutation(len(pooled))
        pa = [pooled[i] for i in order[: len(a)]]
        pb = [pooled[i] for i in order[len(a) :]]
        hits += distance(pa, pb) >= observed - 1e-12
    return (hits + 1) / (rounds + 1)


def summary(values: list) -> str:
    """'4.3 (2-6)' for numbers, the commonest values with shares for text."""
    if not values:
        return "-"
    if _numeric(values):
        a = np.asarray(values, dtype=float)
        lo, hi = a.min(), a.max()
        rng = f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"
        return f"{a.mean():.2f} ({rng})"
    d = distribution(values)
    return ", ".join(f"{k} {100 * v:.0f}%" for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:3])


def compare(original: list[dict], ours: list[dict], alpha: float = 0.01) -> dict[str, dict[str, Any]]:
    """Per feature: both samples' summaries and distributions, distance, permutation p, same/differs."""
    names = list(dict.fromkeys([k for f in original + ours for k in f]))
    out = {}
    for name in names:
        a = [f[name] for f in original if name in f]
        b = [f[name] for f in ours if name in f]
        p = permutation_p(a, b)
        out[name] = {
            "original": summary(a),
            "ours": summary(b),
            "original_dist": distribution(a),
            "ours_dist": distribution(b),
            "distance": distance(a, b) if a and b else None,
            "p": p,
            "verdict": "missing" if not a or not b else ("differs" if p < alpha else "same"),
        }
    return out
