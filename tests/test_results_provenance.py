"""The README's figures were measured on the weights that ship: each results file names their sha256."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lohovla.evaluation.provenance import WEIGHTS, sha256_file
from lohovla.policy_loading import SHIPPED_DIR

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "benchmarks" / "results" / "readme_table.json"


def test_the_readme_table_is_the_one_its_results_files_give() -> None:
    table = json.loads(TABLE.read_text())
    readme = (ROOT / "README.md").read_text()
    assert table["markdown"] in readme


@pytest.mark.parametrize("name", ["lohovla-tiny", "model alone (grounding=False)", "vanilla-tiny"])
def test_each_readme_run_names_the_shipped_checkpoint(name: str) -> None:
    source = json.loads(TABLE.read_text())["sources"][name]
    results = json.loads((ROOT / source["file"]).read_text())
    provenance = results["config"]["provenance"]
    checkpoint = SHIPPED_DIR / Path(provenance["checkpoint"]).name
    assert provenance["checkpoint_sha256"] == sha256_file(checkpoint / WEIGHTS)
    assert provenance["commit"] not in (None, "unknown")
