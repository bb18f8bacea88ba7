"""Uncertainty of a success rate: the 95% Wilson score interval (sound at 0% and 100%, unlike p +/- 1.96 se)."""

from __future__ import annotations

import math

Z95 = 1.959964


def wilson(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """(low, high) of the success probability, in percent; (0, 100) when n is 0."""
    if n <= 0:
        return 0.0, 100.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def rate_interval(row: dict) -> tuple[float, float]:
    """Wilson interval of a per-task row of results.json (success_rate in %, episodes)."""
    n = int(row.get("episodes", 0))
    return wilson(round(row.get("success_rate", 0.0) * n / 100), n)


def fmt_interval(row: dict | None) -> str:
    """'44.0 [34.7, 53.8]' or '-'."""
    if not row:
        return "-"
    lo, hi = rate_interval(row)
    return f"{row['success_rate']:.1f} [{lo:.1f}, {hi:.1f}]"


def difference_interval(before: dict, after: dict) -> tuple[float, float, float]:
    """after - before success rate (points) and its 95% interval (Newcombe's hybrid score method, from Wilson)."""
    p1, p2 = before["success_rate"] / 100, after["success_rate"] / 100
    l1, u1 = (v / 100 for v in rate_interval(before))
    l2, u2 = (v / 100 for v in rate_interval(after))
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return 100 * d, 100 * lo, 100 * hi
