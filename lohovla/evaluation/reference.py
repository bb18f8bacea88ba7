"""LoHoVLA's Table 2 (average score / success rate, %), the numbers we compare against."""

from __future__ import annotations

LETTERS = "ABCDEFGHIJK"

#: letter -> {method: (score, success or None)}
TABLE2: dict[str, dict[str, tuple[float, float | None]]] = {
    "A": {"vanilla": (79.0, 79.0), "explicit": (67.3, None), "implicit": (67.3, None), "lohovla": (77.5, 77.5)},
    "B": {"vanilla": (14.9, 0.0), "explicit": (31.4, None), "implicit": (37.0, None), "lohovla": (97.8, 91.5)},
    "C": {"vanilla": (26.8, 0.5), "explicit": (18.0, None), "implicit": (22.1, None), "lohovla": (34.9, 22.5)},
    "D": {"vanilla": (32.3, 3.0), "explicit": (30.4, None), "implicit": (33.2, None), "lohovla": (35.8, 11.5)},
    "E": {"vanilla": (22.1, 3.5), "explicit": (9.6, None), "implicit": (8.2, None), "lohovla": (85.1, 81.0)},
    "F": {"vanilla": (52.1, 9.0), "explicit": (28.5, None), "implicit": (21.1, None), "lohovla": (86.1, 41.0)},
    "G": {"vanilla": (6.8, 0.0), "explicit": (21.9, None), "implicit": (14.7, None), "lohovla": (40.1, 25.0)},
    "H": {"vanilla": (7.3, 0.0), "explicit": (13.2, None), "implicit": (5.2, None), "lohovla": (16.7, 7.5)},
    "I": {"vanilla": (43.1, 1.5), "explicit": (12.8, None), "implicit": (11.7, None), "lohovla": (77.2, 52.0)},
    "J": {"vanilla": (38.6, 10.5), "explicit": (27.4, None), "implicit": (27.2, None), "lohovla": (43.6, 22.0)},
    "K": {"vanilla": (58.2, 33.0), "explicit": (4.0, None), "implicit": (6.8, None), "lohovla": (73.8, 54.5)},
}
