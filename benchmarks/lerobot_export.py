"""LeRobot export round trip: collect a small LoHoSet, export it with lohovla-export's code, load it with
lerobot's own LeRobotDataset in lerobot's own virtual environment, and compare every frame with ours.

    python -m benchmarks.lerobot_export [--source DIR] [--episodes 10] [--out benchmarks/results/lerobot_export.json]

lerobot 0.6.x pins torch < 2.12 and needs Python >= 3.12, so it cannot share our venv. Its venv is built once
under $LOHOVLA_LEROBOT_VENV (default ~/.cache/lohovla/lerobot-0.6.1, outside git): `pip install
"lerobot[dataset]==0.6.1"`. On x86_64 PyPI's torch is a CUDA build: about 5.4 GB on disk, a few minutes on a
fast link. Python >= 3.12 is looked up as $LOHOVLA_LEROBOT_PYTHON, python3.13/python3.12 on PATH, then pyenv's.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import print_table, write_json

LEROBOT_SPEC = "lerobot[dataset]==0.6.1"
DEFAULT_VENV = Path.home() / ".cache" / "lohovla" / "lerobot-0.6.1"
TASKS = ("put-block-into-matching-bowl", "stack-block-in-absolute-area")


def find_python() -> str:
    candidates = [os.environ.get("LOHOVLA_LEROBOT_PYTHON"), shutil.which("python3.13"), shutil.which("python3.12")]
    candidates += sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.1[2-9]*/bin/python")), reverse=True)
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise SystemExit("lerobot 0.6 needs Python >= 3.12: set LOHOVLA_LEROBOT_PYTHON to one")


def ensure_venv(venv: Path) -> dict:
    """Build lerobot's venv unless its stamp says it is there; returns how long that took."""
    stamp = venv / ".lohovla-installed"
    if stamp.exists() and stamp.read_text().strip() == LEROBOT_SPEC:
        return {"venv": str(venv), "installed_now": False}
    t0 = time.perf_counter()
    subprocess.run([find_python(), "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, LEROBOT_SPEC], check=True)
    stamp.write_text(LEROBOT_SPEC)
    return {"venv": str(venv), "installed_now": True, "install_s": time.perf_counter() - t0}


def collect_source(root: Path, episodes: int) -> Path:
    from lohovla.data.collector import CollectConfig, collect

    collect(CollectConfig(out=str(root), episodes={t: episodes for t in TASKS}, workers=1, progress=False))
    return root


def reference(source: Path, path: Path) -> int:
    """Our StepDataset's view of every step, in LeRobot frame order, as arrays lerobot's side can compare."""
    from lohovla.data.step_dataset import StepDataset

    fields = ("color", "height", "action", "reward", "goal", "subtask", "episode_index")
    ds = StepDataset(source, fields=fields)
    order = sorted(range(ds.num_episodes), key=lambda g: int(ds.episode_table(g).column("episode_index")[0].as_py()))
    rows = {k: [] for k in ("color", "height", "action", "reward", "goal", "subtask", "episode")}
    for new_index, group in enumerate(order):
        start = int(ds._rg_start[group])
        for i in range(start, int(ds._rg_start[group + 1])):
            s = ds[i]
            rows["color"].append(s["color"].numpy())
            rows["height"].append(s["height"].numpy())
            rows["action"].append(s["action"].numpy())
            rows["reward"].append(float(s["reward"]))
            rows["goal"].append(s["goal"])
            rows["subtask"].append(s["subtask"])
            rows["episode"].append(new_index)
    np.savez(path, **{k: np.asarray(v) for k, v in rows.items()})
    return len(rows["action"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", help="a LoHoSet dataset (default: collect a small one)")
    p.add_argument("--episodes", type=int, default=10, help="per task, when collecting")
    p.add_argument("--venv", default=os.environ.get("LOHOVLA_LEROBOT_VENV", str(DEFAULT_VENV)))
    p.add_argument("--out", default="benchmarks/results/lerobot_export.json")
    args = p.parse_args()

    from lohovla.data.lerobot_export import export_lerobot

    venv = ensure_venv(Path(args.venv))
    with tempfile.TemporaryDirectory(prefix="lerobot-export-") as tmp:
        tmp = Path(tmp)
        source = Path(args.source) if args.source else collect_source(tmp / "lohoset", args.episodes)
        t0 = time.perf_counter()
        result = export_lerobot(source, tmp / "lerobot", progress=True)
        export_s = time.perf_counter() - t0
        n_ref = reference(source, tmp / "reference.npz")
        check = subprocess.run(
            [str(Path(args.venv) / "bin" / "python"), str(Path(__file__).with_name("lerobot_check.py")),
             str(tmp / "lerobot"), str(tmp / "reference.npz"), str(tmp / "check.json")],
            capture_output=True, text=True,
        )  # fmt: skip
        if check.returncode != 0:
            sys.stderr.write(check.stderr[-3000:])
            raise SystemExit("lerobot could not load the export (see above)")
        loaded = json.loads((tmp / "check.json").read_text())
        size_mb = sum(f.stat().st_size for f in (tmp / "lerobot").rglob("*") if f.is_file()) / 2**20
    ok = all(v == 0 for v in loaded["mismatches"].values()) and loaded["frames"] == n_ref == result.frames
    row = {
        "episodes": result.episodes,
        "frames": result.frames,
        "tasks": result.tasks,
        "export_s": export_s,
        "export_MB": size_mb,
        "lerobot": loaded["lerobot_version"],
        "lerobot_frames": loaded["frames"],
        "mismatched_frames": sum(loaded["mismatches"].values()),
        "read_ms_per_frame": loaded["read_ms_per_frame"],
        "equal": ok,
    }
    print_table([row], list(row))
    write_json({"command": " ".join(sys.argv), "result": row, "lerobot_check": loaded, "lerobot_venv": venv}, args.out)
    if not ok:
        raise SystemExit("the export differs from the source dataset")


if __name__ == "__main__":
    main()
