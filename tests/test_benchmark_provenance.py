"""Every benchmark results file names the code's commit, and the checkpoint's sha256 when it measured one."""

from __future__ import annotations

import json

from benchmarks.common import write_json
from lohovla.evaluation.provenance import WEIGHTS, sha256_file
from lohovla.policy_loading import SHIPPED_DIR


def test_a_results_file_names_the_commit_and_the_checkpoint_it_measured(tmp_path) -> None:
    out = json.loads(write_json({"policy": "lohovla-tiny", "rows": []}, tmp_path / "r.json").read_text())
    prov = out["provenance"]
    assert len(prov["commit"]) == 40 or prov["commit"] == "unknown"
    assert prov["checkpoint_sha256"] == sha256_file(SHIPPED_DIR / "lohovla-tiny" / WEIGHTS)


def test_without_a_checkpoint_only_the_code_is_named(tmp_path) -> None:
    out = json.loads(write_json({"policy": "oracle"}, tmp_path / "r.json").read_text())
    assert "checkpoint_sha256" not in out["provenance"] and "commit" in out["provenance"]


def test_a_payload_with_its_own_provenance_keeps_it(tmp_path) -> None:
    own = {"commit": "abc", "checkpoint_sha256": {"a": "1", "b": "2"}}
    out = json.loads(write_json({"provenance": own}, tmp_path / "r.json").read_text())
    assert out["provenance"] == own


def test_a_rewritten_results_file_does_not_make_the_code_dirty(tmp_path) -> None:
    import subprocess

    from lohovla.evaluation.provenance import git_commit

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "benchmarks" / "results").mkdir(parents=True)
    (tmp_path / "benchmarks" / "results" / "x.json").write_text("{}")
    (tmp_path / "code.py").write_text("a = 1\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    (tmp_path / "benchmarks" / "results" / "x.json").write_text('{"new": 1}')
    assert git_commit(tmp_path)["dirty"] is False
    (tmp_path / "code.py").write_text("a = 2\n")
    assert git_commit(tmp_path)["dirty"] is True
