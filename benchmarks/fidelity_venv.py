"""The LoHoRavens checkout's own virtual environment, built once and cached outside git.

The original imports torch, pybullet, kornia, meshcat, six, gym and a few image libraries at module level;
we install only those (no tensorflow, no CLIP weights), CPU torch pinned because an unpinned torch pulls
gigabytes of CUDA wheels. A stamp file records the package list, so a changed list rebuilds the venv.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFAULT_VENV = Path.home() / ".cache" / "lohovla" / "lohoravens-venv"
PACKAGES = (
    "torch==2.13.0",
    "pybullet",
    "numpy<2",
    "kornia",
    "meshcat",
    "six",
    "gym==0.26.2",
    "opencv-python-headless<4.11",
    "matplotlib",
    "transforms3d",
    "omegaconf",
    "pillow",
    "pyyaml",
    "imageio",
)
STAMP = ".lohovla-packages"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path = DEFAULT_VENV, quiet: bool = True) -> Path:
    """The venv's python, creating the venv and installing PACKAGES first when the stamp is missing or stale."""
    venv = Path(venv).expanduser()
    stamp = venv / STAMP
    wanted = "\n".join(PACKAGES)
    if stamp.exists() and stamp.read_text() == wanted and venv_python(venv).exists():
        return venv_python(venv)
    print(f"building the LoHoRavens venv at {venv} (once; a few minutes)", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", *(["-q"] if quiet else [])]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *PACKAGES], check=True)
    stamp.write_text(wanted)
    return venv_python(venv)


if __name__ == "__main__":
    print(ensure_venv(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_VENV, quiet=False))
