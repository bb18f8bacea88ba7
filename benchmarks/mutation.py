"""Mutation testing as a figure: how many small planted bugs the relevant tests catch, per module.

    pip install -e '.[mutation]'          # cosmic-ray 8.x, not in the default install
    python -m benchmarks.mutation                                   # the default modules
    python -m benchmarks.mutation --modules envs/rewards.py         # any module list
    python -m benchmarks.mutation --report-only                     # re-read finished sessions

For each module, cosmic-ray (https://cosmic-ray.readthedocs.io) mutates a private copy of the repository (the
working tree is never touched) one operator occurrence at a time and runs only that module's tests (TESTS below)
with pytest -x. A mutant is killed when a test fails or times out, survives when every test passes. Survivors that
we judged equivalent (no input can tell them apart from the original; the reason is recorded) are listed in
benchmarks/mutation_equivalent.json and counted apart; the score is killed / (mutants - equivalent).

Sessions are kept under --workdir, so a killed run resumes where it stopped (--fresh starts over; --recheck runs
the survivors again against the tests as they are now, the module itself unchanged).
Writes benchmarks/results/mutation.json (per module counts, every survivor with its diff and verdict).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import print_table, write_json
from benchmarks.mutation_report import load_results, summarise, version, write_markdown

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = Path(__file__).resolve().parent / "mutation_equivalent.json"

#: module -> the tests that guard it: globs under tests/, then any pytest options
TESTS = {
    "envs/heightmap.py": ["tests/test_heightmap.py"],
    "lohovla/bridge/wire.py": ["tests/test_bridge_wire.py", "tests/test_bridge_service.py"],
    "lohovla/bridge/safety.py": ["tests/test_bridge_safety.py", "-k", "not watchdog"],
    # the CLI test (two hydra processes, ~8 s) checks the message's form, not resume.py's logic
    "lohovla/data/resume.py": ["tests/test_data_resume.py", "-k", "not cli"],
    # the hand-placed scenes of every predicate and task reward (the fidelity work); the task rollout tests are slow
    "envs/rewards.py": ["tests/test_rewards*.py"],
}
DEFAULT_MODULES = list(TESTS)
#: Operators left out, to fit a run into an hour on two shared cores: replacing + - * / by //, %, ** or a shift or
#: bitwise operator (and those by anything). The swaps among + - * / stay and mutate the same sites; the rest mostly
#: raise TypeError at once on the floats and arrays these modules compute with, or (x / pixel_size -> //, followed by
#: astype(int)) change nothing.
EXCLUDED_OPERATORS = [
    r"core/ReplaceBinaryOperator_\w+_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)",
    r"core/ReplaceBinaryOperator_(FloorDiv|Mod|Pow|RShift|LShift|BitOr|BitAnd|BitXor)_\w+",
]


def slug(module: str) -> str:
    return module.replace("/", "_").removesuffix(".py")


def copy_repository(dest: Path) -> None:
    """Tracked and untracked-but-not-ignored files (the working tree as it is now), links kept as links."""
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        src = ROOT / name
        if not (src.exists() or src.is_symlink()):
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        elif src.is_file():
            shutil.copy2(src, target)


def test_files(module: str, repo: Path, extra: dict[str, list[str]]) -> list[str]:
    patterns = extra.get(module) or TESTS.get(module)
    if not patterns:
        raise SystemExit(f"no tests known for {module}; pass --tests {module}=tests/test_x.py")
    globs = [p for p in patterns if p.startswith("tests/")]
    files = sorted({str(p.relative_to(repo)) for pattern in globs for p in repo.glob(pattern)})
    if not files:
        raise SystemExit(f"none of {globs} exists for {module}")
    return files + [shlex.quote(p) for p in patterns if p not in globs]  # the rest are pytest options


def run_module(module: str, args: argparse.Namespace, extra: dict[str, list[str]]) -> Path:
    """Init (once) and execute the module's session; returns the session file."""
    work = Path(args.workdir).resolve() / slug(module)
    repo, session, config = work / "repo", work / "session.sqlite", work / "config.toml"
    if args.fresh and work.exists():
        shutil.rmtree(work)
    if not repo.exists():
        copy_repository(repo)
    elif args.recheck:
        if (repo / module).read_bytes() != (ROOT / module).read_bytes():
            raise SystemExit(f"{module} changed since its session began (mutant positions moved): use --fresh")
        copy_repository(repo)  # the tests as they are now
        with sqlite3.connect(session) as db:
            survived = [r[0] for r in db.execute("SELECT job_id FROM work_results WHERE test_outcome = 'SURVIVED'")]
            rechecked = work / "rechecked.json"
            earlier = json.loads(rechecked.read_text()) if rechecked.exists() else []
            rechecked.write_text(json.dumps(sorted(set(earlier) | set(survived))))
            db.execute("DELETE FROM work_results WHERE test_outcome = 'SURVIVED'")
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONDONTWRITEBYTECODE": "1"}
    tests = test_files(module, repo, extra)
    # hydra's pytest plugin alone costs ~0.4 s of CPU per run; none of these tests uses it
    command = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:hydra_pytest -m 'not slow' {' '.join(tests)}"
    started = time.perf_counter()
    baseline = subprocess.run(command, shell=True, cwd=repo, env=env, capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{module}: the tests fail without any mutation:\n{baseline.stdout[-3000:]}")
    timeout = max(30.0, 4 * (time.perf_counter() - started))
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "{module}"\n'
        f"timeout = {timeout:.0f}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n'
        "[cosmic-ray.filters.operators-filter]\n"
        f"exclude-operators = {json.dumps(EXCLUDED_OPERATORS)}\n"
    )
    bin_dir = Path(sys.executable).parent
    if not session.exists():
        subprocess.run([bin_dir / "cosmic-ray", "init", str(config), str(session)], cwd=repo, env=env, check=True)
        subprocess.run([bin_dir / "cr-filter-operators", str(session), str(config)], cwd=repo, env=env, check=True)
    print(f"{module}: pytest {' '.join(tests)}; timeout {timeout:.0f} s per mutant", flush=True)
    subprocess.run([bin_dir / "cosmic-ray", "exec", str(config), str(session)], cwd=repo, env=env, check=True)
    return session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES)
    parser.add_argument("--tests", nargs="*", default=[], help="module=tests/a.py,-k,not slow overrides")
    parser.add_argument("--workdir", default="outputs/mutation")
    parser.add_argument("--fresh", action="store_true", help="discard earlier sessions of these modules")
    parser.add_argument("--recheck", action="store_true", help="run the survivors again against today's tests")
    parser.add_argument("--report-only", action="store_true", help="summarise the sessions already run")
    parser.add_argument("--out", default="benchmarks/results/mutation.json")
    parser.add_argument("--markdown", default=None, help="also write the survivor list, e.g. docs/mutation.md")
    args = parser.parse_args()
    extra = {m: t.split(",") for m, t in (item.split("=", 1) for item in args.tests)}
    equivalents = json.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else []
    summaries = {}
    for module in args.modules:
        session = Path(args.workdir) / slug(module) / "session.sqlite"
        if not args.report_only:
            session = run_module(module, args, extra)
        if not session.exists():
            print(f"{module}: no session under {args.workdir}; run without --report-only first")
            continue
        rechecked = session.parent / "rechecked.json"
        again = set(json.loads(rechecked.read_text())) if rechecked.exists() else set()
        summaries[module] = summarise(module, load_results(session), equivalents, again)
    rows = [s["row"] for s in summaries.values()]
    print_table(rows, ["module", "mutants", "killed", "timeouts", "survived", "equivalent", "pending", "score"])
    for module, summary in summaries.items():
        for s in summary["survivors"]:
            tag = "equivalent" if s["equivalent"] else "SURVIVED"
            print(f"{tag:10s} {module}:{s['line']} {s['operator']} {s['removed']} -> {s['added']}")
    # Modules not run this time keep their earlier figures (e.g. rerun envs/rewards.py alone after a change).
    earlier = json.loads(Path(args.out).read_text()) if Path(args.out).exists() and not args.fresh else {}
    tests = {**earlier.get("tests", {}), **{m: extra.get(m) or TESTS.get(m) for m in summaries}}
    merged = {**earlier.get("modules", {}), **summaries}
    kept = {k: v for k, v in earlier.items() if k not in ("machine", "tool", "tests", "modules")}  # e.g. fresh_run
    write_json(
        {
            **kept,
            "tool": "cosmic-ray " + version(),
            "excluded_operators": EXCLUDED_OPERATORS,
            "tests": tests,
            "score": "killed / (mutants - equivalent); a timeout counts as killed",
            "modules": merged,
        },
        args.out,
    )
    if args.markdown:
        command = "python -m benchmarks.mutation " + " ".join(sys.argv[1:])
        write_markdown(args.markdown, merged, command, tests, EXCLUDED_OPERATORS, kept.get("fresh_run"))


if __name__ == "__main__":
    main()
