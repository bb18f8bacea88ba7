"""One wrapper for every console script: its own --help, the README's `tasks=a,b` form, user mistakes as one line.

Hydra's generic --help lists config groups but not what a command does or which values are valid, and its run mode
reads `tasks=a,b` as a sweep ("Ambiguous value"). `command` answers --help itself (with live task and policy lists),
rewrites comma lists for the keys in LIST_KEYS into Hydra's `[a,b]`, and turns a `UsageError` raised inside the
command into `<name>: error: <message>` on stderr with exit status 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH

#: Keys whose value is a list; `key=a,b` on the command line means `key=[a,b]` (we never sweep).
LIST_KEYS = ("tasks",)


class UsageError(Exception):
    """A user's mistake (bad value, missing file): printed as one line, exit status 2, no traceback."""


@dataclass(frozen=True)
class Help:
    """What `<command> --help` prints: what it does, its main options with valid values, one example."""

    summary: str
    options: list[tuple[str, str]] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    lists: tuple[str, ...] = ()  # "tasks", "policies": live lists appended below the options


def command(name: str, config_name: str, help: Help) -> Callable[[Callable[[DictConfig], None]], Callable[[], None]]:
    """Decorate `fn(cfg)` into a console-script entry point `main()`."""

    def wrap(fn: Callable[[DictConfig], None]) -> Callable[[], None]:
        @functools.wraps(fn)
        def guarded(cfg: DictConfig) -> None:
            try:
                fn(cfg)
            except UsageError as exc:
                print(f"{name}: error: {exc}", file=sys.stderr)
                raise SystemExit(2) from None

        hydra_main = hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name=config_name)(guarded)

        def main() -> None:
            _import_pybullet_quietly()
            args = sys.argv[1:]
            if any(a in ("-h", "--help") for a in args):
                print(render_help(name, help))
                return
            sys.argv[1:] = [list_override(a) for a in args]
            hydra_main()

        main.__doc__ = fn.__doc__
        return main

    return wrap


def _import_pybullet_quietly() -> None:
    """PyBullet writes a build-time banner to stderr on import; a command's stderr is for its own errors."""
    import os

    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            import pybullet  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def list_override(arg: str) -> str:
    """`tasks=a,b` -> `tasks=[a,b]`; anything else unchanged."""
    key, sep, value = arg.partition("=")
    if sep and key.lstrip("+") in LIST_KEYS and "," in value and not value.startswith("["):
        return f"{key}=[{value}]"
    return arg


def render_help(name: str, help: Help) -> str:
    width = max((len(k) for k, _ in help.options), default=0)
    lines = [f"{name}: {help.summary}", "", "Options (key=value, Hydra overrides):"]
    lines += [f"  {k.ljust(width)}  {v}" for k, v in help.options]
    lines += ["  <group>.<key>=...".ljust(width + 2) + "  any other config value (`--cfg job` prints them all)"]
    for kind in help.lists:
        lines += ["", *LIVE_LISTS[kind]()]
    lines += ["", "Examples:", *[f"  {e}" for e in help.examples]]
    return "\n".join(lines)


def _task_lines() -> list[str]:
    from lohovla.envs.registration import all_tasks, task_groups

    registry = all_tasks()
    groups = task_groups()
    lines = ["Task groups: " + ", ".join(f"{g} ({len(ids)})" for g, ids in groups.items()), "Task ids:"]
    for task in sorted(registry, key=lambda t: (not registry[t].letter, registry[t].letter or "", t)):
        lines.append(f"  {registry[task].letter or '-'}  {task}")
    return lines


def _policy_lines() -> list[str]:
    from lohovla.policy_loading import shipped_names

    return [f"Policies: oracle, {', '.join(shipped_names())}, or a checkpoint directory (with config.json)"]


LIVE_LISTS: dict[str, Callable[[], list[str]]] = {"tasks": _task_lines, "policies": _policy_lines}
