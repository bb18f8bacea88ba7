"""The robot side of the bridge must import on a computer without torch or pybullet."""

from __future__ import annotations

import subprocess
import sys

ROBOT_SIDE = ["wire", "protocol", "client", "context_term", "safety", "watchdog", "robot", "runner", "curve", "testing"]

BLOCKER = """
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"torch", "pybullet", "pybullet_data", "gymnasium", "transformers", "hydra"}:
            raise ImportError(f"robot side must not import {name}")
        return None

sys.meta_path.insert(0, Block())
"""


def test_robot_side_imports_without_torch_or_pybullet() -> None:
    modules = ", ".join(f"lohovla.bridge.{m}" for m in ROBOT_SIDE)
    code = (
        BLOCKER + f"import {modules}\nprint(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pybullet')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_blocker_does_block() -> None:
    out = subprocess.run(
        [sys.executable, "-c", BLOCKER + "import lohovla.bridge.sim_robot as s; s.SimRobot('x')"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and "must not import" in out.stderr
