"""Imports run one way: policies/ never imports the glue in lohovla/, and no module of policies/ is in a loop.

Read from the source (every import statement, function-level ones too), so a lazy import cannot hide an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLUE = ("closed_loop", "step_evidence", "evaluation", "cli", "data", "training", "bridge", "rollout")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _policy_modules() -> dict[str, Path]:
    return {
        "lohovla.policies." + ".".join(p.relative_to(ROOT / "policies").with_suffix("").parts): p
        for p in (ROOT / "policies").rglob("*.py")
        if p.name != "__init__.py"
    }


def test_policies_never_import_the_glue() -> None:
    bad = {
        f"{mod} -> {name}"
        for mod, path in _policy_modules().items()
        for name in _imports(path)
        if any(name == f"lohovla.{g}" or name.startswith(f"lohovla.{g}.") for g in GLUE)
    }
    assert not bad, sorted(bad)


def test_no_import_loops_inside_policies() -> None:
    modules = _policy_modules()
    graph = {m: {n for n in _imports(p) if n in modules and n != m} for m, p in modules.items()}
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                raise AssertionError("import loop: " + " -> ".join([*path[path.index(n) :], n]))
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_the_checker_sees_a_loop_and_an_upward_import(tmp_path) -> None:
    (tmp_path / "a.py").write_text("def f():\n    from lohovla.rollout import run_episode\n")
    assert "lohovla.rollout" in _imports(tmp_path / "a.py")
