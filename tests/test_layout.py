"""The repository layout never shadows an installed distribution when Python runs from the repository root.

`python -m pytest`, `python -m benchmarks.<name>` and `python -c ...` put the root first on sys.path. A top-level
folder with an __init__.py would then win over an installed package of the same name; transformers imports the PyPI
package `kernels` as soon as a model is built, and our kernels/ folder once broke every model test that way.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Folders that are regular packages on purpose: ours by name, or needed so by a tool (Hydra's pkg:// configs).
OWN_PACKAGES = {"lohovla", "tests", "benchmarks", "configs"}

_FROM_THE_ROOT = """
import importlib.util, pathlib, sys
import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM

root = pathlib.Path.cwd().resolve()
import importlib.metadata
spec = importlib.util.find_spec("kernels")
try:
    importlib.metadata.distribution("kernels")  # transformers 5 depends on the PyPI package `kernels`
except importlib.metadata.PackageNotFoundError:  # older transformers: only our folder, a namespace portion
    assert spec is None or spec.origin is None, spec
else:  # the installed package wins, never our kernels/ folder
    assert spec.origin is not None and (root / "kernels") not in pathlib.Path(spec.origin).resolve().parents, spec
cfg = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                  num_attention_heads=2, num_key_value_heads=2)
LlamaForCausalLM(cfg)(torch.zeros(1, 4, dtype=torch.long))

import lohovla
policy = lohovla.load_policy("lohovla-tiny")
env = lohovla.make_env("put-block-into-matching-bowl", split="val")
obs, info = env.reset(seed=1)
policy.reset(obs["goal"])
from lohovla.policies.base import Feedback
step = policy.act(obs, Feedback())
assert step.subtask and np.isfinite(step.action.as_array()).all()
print("ok", step.subtask)
"""


def test_root_imports_the_installed_kernels_builds_llama_and_acts() -> None:
    proc = subprocess.run([sys.executable, "-c", _FROM_THE_ROOT], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ok ")


def test_no_top_level_package_shadows_an_installed_distribution() -> None:
    installed = importlib.metadata.packages_distributions()
    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert ours <= OWN_PACKAGES, f"new top-level packages {ours - OWN_PACKAGES}: leave out __init__.py"
    for name in ours:
        owners = [d for d in installed.get(name, []) if d != "lohovla"]
        assert not owners, f"{name}/ shadows the installed distribution(s) {owners} from the repository root"


def test_the_folders_reach_the_package_through_links() -> None:
    for name in ("envs", "policies", "kernels", "configs"):
        link = ROOT / "lohovla" / name
        assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()
    for name in ("envs", "policies", "kernels"):
        assert not (ROOT / name / "__init__.py").exists()
