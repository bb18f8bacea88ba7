"""pyproject's lower bounds are exactly what `make test-lowest` installs, and the venv sits inside every range."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def _lowest_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints" / "lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _norm(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def test_every_dependency_has_a_lower_and_an_upper_bound() -> None:
    for req in _requirements():
        ops = {s.operator for s in req.specifier}
        assert ">=" in ops and "<" in ops, f"{req}: give both bounds"


def test_lowest_constraints_pin_the_lower_bounds() -> None:
    pins = _lowest_pins()
    for req in _requirements():
        lower = next(s.version for s in req.specifier if s.operator == ">=")
        if req.name == "torch":  # the CPU build on disk is the only one CI installs
            continue
        assert req.name.lower() in pins, f"{req.name} missing from constraints/lowest.txt"
        assert _norm(pins[req.name.lower()])[: len(_norm(lower))] == _norm(lower), req.name


def test_installed_versions_lie_inside_the_ranges() -> None:
    for req in _requirements():
        version = importlib.metadata.version(req.name).split("+")[0]
        assert req.specifier.contains(version, prereleases=True), f"{req.name} {version} outside {req.specifier}"
