"""Result tables and plots carry uncertainty and provenance; two results files compare side by side."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from lohovla.evaluation.compare import compare_markdown, write_comparison
from lohovla.evaluation.evaluate import EvalResult
from lohovla.evaluation.intervals import difference_interval, wilson
from lohovla.evaluation.paired import paired, sign_test
from lohovla.evaluation.provenance import git_commit, provenance
from lohovla.evaluation.report import results_markdown, write_report
from lohovla.policy_loading import shipped_checkpoint

REPO = Path(__file__).resolve().parents[1]


def row(task: str, letter: str, seen: bool, succ: float, n: int = 100) -> dict:
    return {"task": task, "letter": letter, "seen": seen, "episodes": n, "mean_score": succ, "success_rate": succ,
            "planning_accuracy": None, "decision_ms_median": 1.0}  # fmt: skip


def result(rates: dict[str, float], policy: str = "ours") -> EvalResult:
    per = {
        "put-block-into-matching-bowl": row("put-block-into-matching-bowl", "B", True, rates["B"]),
        "stack-blocks-of-same-size": row("stack-blocks-of-same-size", "G", False, rates["G"]),
    }
    return EvalResult(per_task=per, episodes=[], config={"policy": policy, "split": "val", "episodes": 100})


def test_wilson_interval_known_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 27.75), abs=0.01)
    assert wilson(10, 10) == pytest.approx((72.25, 100.0), abs=0.01)
    assert wilson(50, 100) == pytest.approx((40.38, 59.62), abs=0.01)


def test_difference_interval_separates_signal_from_noise() -> None:
    d, lo, hi = difference_interval(row("t", "A", True, 10), row("t", "A", True, 90))
    assert d == pytest.approx(80) and lo > 0
    d, lo, hi = difference_interval(row("t", "A", True, 50, 20), row("t", "A", True, 55, 20))
    assert lo < 0 < hi


def test_report_has_intervals_baseline_and_groups(tmp_path) -> None:
    base_path = tmp_path / "base.json"
    base_path.write_text(json.dumps(result({"B": 0.0, "G": 0.0}, "vanilla-tiny").to_dict()))
    paths = write_report(result({"B": 90.0, "G": 20.0}), tmp_path / "out", baseline=base_path)
    md = paths["md"].read_text()
    assert "90.0 [82.6, 94.5]" in md and "0.0 [0.0, 3.7]" in md and "vanilla-tiny" in md
    assert md.index("| B |") < md.index("| G |")
    assert paths["png"].stat().st_size > 10_000 and json.loads(paths["json"].read_text())["per_task"]
    assert "No baseline" in results_markdown(result({"B": 90.0, "G": 20.0}))


def test_compare_marks_clear_differences(tmp_path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(result({"B": 50.0, "G": 20.0}).to_dict()))
    b.write_text(json.dumps(result({"B": 90.0, "G": 22.0}).to_dict()))
    md = compare_markdown(json.loads(a.read_text()), json.loads(b.read_text()))
    lines = {
        line.split("|")[2].strip(): line for line in md.splitlines() if line.startswith("| B") or line.startswith("| G")
    }
    assert "*" in lines["put-block-into-matching-bowl"]  # +40 points on 100 episodes: clear of noise
    assert "*" not in lines["stack-blocks-of-same-size"]  # +2 points: within noise
    paths = write_comparison(a, b, tmp_path / "cmp")
    assert paths["png"].exists() and paths["md"].exists()
    (tmp_path / "run").mkdir()  # an eval's output folder stands for its results.json
    b.rename(tmp_path / "run" / "results.json")
    assert write_comparison(a, tmp_path / "run", tmp_path / "cmp2")["md"].read_text() == paths["md"].read_text()


def test_provenance_names_checkpoint_hash_commit_and_settings(tmp_path) -> None:
    ckpt = shipped_checkpoint("lohovla-tiny")
    if ckpt is None:
        pytest.skip("no shipped checkpoint")
    record = provenance("lohovla-tiny", {"decoder": "ar"})
    assert record["checkpoint_sha256"] == hashlib.sha256((ckpt / "model.safetensors").read_bytes()).hexdigest()
    assert record["settings"]["decoder"] == "ar" and record["policy_kwargs"] == {"decoder": "ar"}
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert record["commit"] == head.stdout.strip()
    assert git_commit(tmp_path)["commit"] == "unknown"
    assert provenance("oracle")["checkpoint_sha256"] is None


def test_policy_settings_find_the_grounding_config() -> None:
    from dataclasses import dataclass

    from lohovla.evaluation.provenance import policy_settings

    @dataclass
    class GroundingConfig:
        ground_colors: bool = True
        check_objects: bool = False

    class Policy:
        name = "p"

        def __init__(self) -> None:
            self.g = GroundingConfig()
            self.decoder = "d2f"

    settings = policy_settings(Policy())
    assert settings["grounding"] == {"ground_colors": True, "check_objects": False}
    assert settings["decoder"] == "d2f"


def test_sign_test_known_values() -> None:
    assert sign_test(5, 0) == pytest.approx(2 / 32)  # five of five discordant episodes one way
    assert sign_test(3, 3) == 1.0 and sign_test(0, 0) == 1.0
    assert sign_test(55, 26) == pytest.approx(sign_test(26, 55)) and sign_test(55, 26) < 0.003


def test_compare_pairs_episodes_of_the_same_seed(tmp_path) -> None:
    def run(successes: list[bool]) -> dict:
        payload = result({"B": 100.0 * sum(successes) / len(successes), "G": 0.0}).to_dict()
        task = "put-block-into-matching-bowl"
        payload["episodes"] = [{"task": task, "seed": 2 * i + 1, "success": s} for i, s in enumerate(successes)]
        return payload

    before, after = run([True, True, False, False, False]), run([True, False, True, True, True])
    pair = paired(before, after)
    assert (pair.shared, pair.won, pair.lost) == (5, 3, 1)
    md = compare_markdown(before, after)
    assert "| 3 / 1 |" in md and "wins 3 and loses 1" in md
    assert "wins" not in compare_markdown(result({"B": 50.0, "G": 20.0}).to_dict(), after)  # no shared seed
