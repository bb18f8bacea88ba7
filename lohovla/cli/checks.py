"""Command-line values checked before any heavy work starts, each failure a `UsageError` with one clear line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from lohovla.cli.app import UsageError


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def policy_spec(spec: str) -> str:
    """`spec` is "oracle", a shipped checkpoint's name, or a checkpoint directory (lohovla.policy_loading's rule)."""
    from lohovla.policy_loading import checkpoint_path, shipped_names

    if spec == "oracle":
        return spec
    try:
        checkpoint_path(spec)
    except ValueError as exc:
        raise UsageError(f"{exc}{did_you_mean(spec, ['oracle', *shipped_names()])}") from None
    return spec


def task_selection(selection: str | Sequence[str]) -> list[str]:
    """A group name, one id, or a list of ids -> task ids; unknown ids name the closest known one."""
    from lohovla.envs.registration import all_tasks, resolve_tasks, task_groups

    items = [selection] if isinstance(selection, str) else [str(s) for s in selection]
    known = sorted(all_tasks())
    groups = list(task_groups())
    ids: list[str] = []
    for item in items:
        for name in [s.strip() for s in str(item).split(",") if s.strip()]:
            if name not in known and name not in groups:
                raise UsageError(
                    f"unknown task {name!r}{did_you_mean(name, known + groups)}; `--help` lists the "
                    f"{len(known)} task ids and the groups {', '.join(groups)}"
                )
            ids += resolve_tasks(name)
    if not ids:
        raise UsageError("no tasks selected")
    return list(dict.fromkeys(ids))


def task_id(name: str) -> str:
    """Exactly one task id (not a group)."""
    ids = task_selection(name)
    if len(ids) != 1 or ids[0] != name:
        raise UsageError(f"task={name!r} must be one task id, not a group")
    return name


def at_least(key: str, value: object, minimum: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise UsageError(f"{key}={value!r} must be a whole number >= {minimum}") from None
    if number < minimum:
        raise UsageError(f"{key}={number} must be >= {minimum}")
    return number


def probability(key: str, value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise UsageError(f"{key}={value!r} must be a number between 0 and 1") from None
    if not 0.0 <= number <= 1.0:
        raise UsageError(f"{key}={number} must be between 0 and 1")
    return number


def one_of(key: str, value: object, choices: Sequence[str]) -> str:
    text = str(value)
    if text not in choices:
        raise UsageError(f"{key}={text!r} must be one of {', '.join(choices)}{did_you_mean(text, choices)}")
    return text


def env_options(split: str, env: dict) -> None:
    """The simulator options a command passes on, checked before any env or worker starts."""
    from lohovla.envs.env import check_distractor_colors

    try:
        check_distractor_colors(str(env.get("distractor_colors", "all")), str(split))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


SPLITS = ("train", "val", "test")
MODES = ("fast", "arm")


def load_policy(spec: str, kwargs: dict):
    """Load the policy once here, so a bad name or keyword fails in one line before any worker starts."""
    from lohovla import load_policy as _load

    policy_spec(spec)
    try:
        return _load(spec, **kwargs)
    except (ValueError, TypeError, KeyError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise UsageError(f"policy {spec!r} with policy_kwargs={kwargs}: {message}") from None
