"""Collision-free random placement of objects on the table, for building scenes from a seed."""

from __future__ import annotations

import numpy as np

from lohovla.envs.spec import BOUNDS

#: Objects are kept this far inside the workspace so that the arm reaches them.
MARGIN = 0.06

#: The four quadrants of the workspace: the named areas of LoHoRavens' D, J and the absolute primitive.
QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
#: The workspace centre: LoHoRavens' "center" position (a point, not an area).
CENTER = (0.5, 0.0)


def area_rect(name: str) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) of a named quadrant, with LoHoRavens' meaning (cdba8da task.py).

    "top" is x < 0.5 (the half nearer the robot's base), "bottom" x > 0.5; "left" is y < 0, "right" y > 0.
    Membership is the original's: a block belongs to an area when its centre lies in the closed rectangle.
    """
    (x0, x1), (y0, y1) = BOUNDS[0], BOUNDS[1]
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    rects = {
        "top left": (x0, xm, y0, ym),
        "top right": (x0, xm, ym, y1),
        "bottom left": (xm, x1, y0, ym),
        "bottom right": (xm, x1, ym, y1),
    }
    if name not in rects:
        raise ValueError(f"unknown area {name!r}; expected one of {QUADRANTS}")
    return rects[name]


def in_area(xy, rect: tuple[float, float, float, float]) -> bool:
    """The original's membership test: the centre lies in the closed rectangle."""
    x0, x1, y0, y1 = rect
    return bool(x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1)


class Layout:
    """Keeps the discs already taken on the table and samples free ones."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.taken: list[tuple[np.ndarray, float]] = []

    def free(self, xy: np.ndarray, radius: float) -> bool:
        return all(np.linalg.norm(xy - c) >= radius + r for c, r in self.taken)

    def reserve(self, xy, radius: float) -> None:
        self.taken.append((np.asarray(xy, dtype=np.float64), radius))

    def sample(
        self,
        radius: float,
        rect: tuple[float, float, float, float] | None = None,
        exclude: list[tuple[float, float, float, float]] | None = None,
        tries: int = 2000,
        pad: float | None = None,
    ) -> np.ndarray:
        """A free xy for a disc of `radius` inside rect (default: the workspace less MARGIN), its centre at
        least `pad` (default: radius) outside every excluded rect."""
        x0, x1, y0, y1 = rect or (BOUNDS[0, 0], BOUNDS[0, 1], BOUNDS[1, 0], BOUNDS[1, 1])
        lo = np.array([max(x0 + radius, BOUNDS[0, 0] + MARGIN), max(y0 + radius, BOUNDS[1, 0] + MARGIN)])
        hi = np.array([min(x1 - radius, BOUNDS[0, 1] - MARGIN), min(y1 - radius, BOUNDS[1, 1] - MARGIN)])
        for _ in range(tries):
            xy = self.rng.uniform(lo, hi)
            if exclude and any(_in_rect(xy, r, radius if pad is None else pad) for r in exclude):
                continue
            if self.free(xy, radius):
                self.reserve(xy, radius)
                return xy
        raise RuntimeError("no free place left on the table; the scene is too crowded")


def _in_rect(xy: np.ndarray, rect: tuple[float, float, float, float], pad: float) -> bool:
    x0, x1, y0, y1 = rect
    return x0 - pad <= xy[0] <= x1 + pad and y0 - pad <= xy[1] <= y1 + pad
