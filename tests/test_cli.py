"""Console scripts as a user meets them: --help that says what a command does, one-line errors for bad input."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lohovla.cli.app import list_override

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "lohovla-rollout": "rollout",
    "lohovla-eval": "evaluate",
    "lohovla-collect": "collect",
    "lohovla-train": "train",
    "lohovla-serve": "serve",
    "lohovla-robot": "robot",
    "lohovla-demo": "demo",
    "lohovla-fit-colors": "fit_colors",
    "lohovla-compare": "compare",
    "lohovla-export": "export",
}


def run_cli(command: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The console script's module, run the way a user runs it (from the repository root)."""
    module = f"lohovla.cli.{COMMANDS[command]}"
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def one_error_line(proc: subprocess.CompletedProcess, command: str) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr  # no traceback, no log spam
    assert lines[0].startswith(f"{command}: error: ")
    return lines[0]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_says_what_the_command_does_with_an_example(command: str) -> None:
    proc = run_cli(command, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"{command}: ")
    assert "Options" in out and "Examples:" in out
    assert re.search(rf"^  {command}\b", out, flags=re.M)  # an example of this very command
    assert "Hydra (" not in out  # not Hydra's generic page


def test_help_lists_the_task_ids_groups_and_policies() -> None:
    from lohovla.envs.registration import tasks

    out = run_cli("lohovla-eval", "--help").stdout
    assert all(task in out for task in tasks())
    assert "table (11)" in out and "unseen (6)" in out
    assert "lohovla-tiny" in out and "vanilla-tiny" in out


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("lohovla-rollout", ["episodes=-1"], "episodes=-1 must be >= 1"),
        ("lohovla-rollout", ["task=stack-blocks-of-same-colour"], "did you mean 'stack-blocks-of-same-color'"),
        ("lohovla-rollout", ["split=tset"], "split='tset' must be one of train, val, test (did you mean 'test'?)"),
        ("lohovla-eval", ["policy=nonexistent"], "unknown policy 'nonexistent'"),
        ("lohovla-eval", ["policy=./no/such/dir"], "checkpoint directory './no/such/dir' does not exist"),
        ("lohovla-eval", ["policy=configs"], "'configs' is not a checkpoint directory: it has no config.json"),
        ("lohovla-eval", ["policy=lohovla-tiny", "policy_kwargs={decoder: foo}"], "unknown decoder 'foo'"),
        ("lohovla-eval", ["tasks=table,nope"], "unknown task 'nope'"),
        ("lohovla-serve", ["policy=lohovla-tinny"], "did you mean 'lohovla-tiny'"),
        ("lohovla-collect", ["tasks=put-block-into-matching-bow", "out=/nonexistent/x"], "did you mean"),
        (
            "lohovla-collect",
            ["driver=oracle", "driver_beta=2", "out=/nonexistent/x"],
            "driver_beta=2.0 must be between",
        ),
        ("lohovla-collect", ["driver=lohovla-tinny", "out=/nonexistent/x"], "did you mean 'lohovla-tiny'"),
        (
            "lohovla-collect",
            ["split=val", "+env.distractor_colors=split", "out=/nonexistent/x"],
            "distractor_colors='split' is for training data; val scenes",
        ),
        ("lohovla-eval", ["split=test", "+env.distractor_colors=split"], "is for training data; test scenes"),
        ("lohovla-rollout", ["+env.distractor_colors=eval"], "unknown distractor_colors 'eval'"),
        ("lohovla-demo", ["policy=./nowhere"], "does not exist"),
        ("lohovla-fit-colors", ["checkpoint=./nowhere"], "does not exist"),
    ],
)
def test_bad_input_is_one_clear_line(command: str, args: list[str], expected: str) -> None:
    line = one_error_line(run_cli(command, *args), command)
    assert expected in line


def test_robot_without_a_server_says_to_start_one() -> None:
    start = time.monotonic()
    proc = run_cli("lohovla-robot", "server=tcp://127.0.0.1:5989", "bridge.connect_s=1", "bridge.deadline_s=0.5")
    line = one_error_line(proc, "lohovla-robot")
    assert "no policy server answers at tcp://127.0.0.1:5989" in line and "lohovla-serve" in line
    assert time.monotonic() - start < 30


def test_comma_lists_of_tasks_are_lists() -> None:
    assert list_override("tasks=a,b") == "tasks=[a,b]"
    assert list_override("tasks=[a,b]") == "tasks=[a,b]"
    assert list_override("tasks=table") == "tasks=table"
    assert list_override("policy_kwargs={a: 1, b: 2}") == "policy_kwargs={a: 1, b: 2}"


def test_eval_takes_the_documented_comma_form(tmp_path: Path) -> None:
    proc = run_cli(
        "lohovla-eval",
        "policy=oracle",
        "tasks=pick-and-place-primitive,pick-and-place-primitive-with-size",
        "episodes=1",
        "workers=1",
        f"out={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr
    results = (tmp_path / "results.json").read_text()
    assert "pick-and-place-primitive-with-size" in results and "stack-blocks" not in results


def _documented_commands() -> list[list[str]]:
    """Every `lohovla-<cmd> ...` line in the shell blocks of the README and docs/ (backslash continuations joined),
    split into words (comments dropped)."""
    import shlex

    lines = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), flags=re.S):
            for raw in block.replace("\\\n", " ").splitlines():
                words = shlex.split(raw, comments=True)
                if words:
                    words[0] = words[0].removeprefix(".venv/bin/")
                if words and words[0] in COMMANDS:
                    lines.append([w for w in words if w != "&"])
    return lines


def test_every_documented_command_line_parses() -> None:
    """Hydra composes each README and docs/ command's config (`--cfg job`): every override they show is accepted."""
    commands = _documented_commands()
    assert len(commands) > 10, "the README and docs show (almost) no lohovla-* command"
    for words in commands:
        proc = run_cli(words[0], *words[1:], "--cfg", "job")
        assert proc.returncode == 0, f"{' '.join(words)}\n{proc.stderr}"
