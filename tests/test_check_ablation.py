"""The check ablation pairs episodes by seed, counts flips, and refuses a skipped task where the check acted."""

from __future__ import annotations

import pytest

from benchmarks.check_ablation import compare, off_runs
from lohovla.evaluation.reference import LETTERS


def run(success: dict[str, list[bool]], interventions: dict[str, dict[str, int]] | None = None) -> dict:
    """A results payload: per task (named by its letter) the success of seeds 1, 3, 5, ..."""
    interventions = interventions or {}
    episodes = [{"task": t, "seed": 2 * i + 1, "success": ok} for t, oks in success.items() for i, ok in enumerate(oks)]
    per_task = {
        t: {"letter": t, "success_rate": 100.0 * sum(oks) / len(oks), "interventions": interventions.get(t, {})}
        for t, oks in success.items()
    }
    return {"episodes": episodes, "per_task": per_task}


def test_paired_flips_and_skipped_tasks_taken_from_the_on_run() -> None:
    base = {x: [True, False] for x in LETTERS}
    on = run(base, {"B": {"object_check": 3}, "C": {"object_check": 1}})
    off = run({"B": [False, False], "C": [True, True]})  # the other tasks skipped: the check never acted there
    got = compare(on, off, "object_check")
    assert got["lost_without"] == 1 and got["won_without"] == 1 and not got["helps"]
    assert got["success_rate"]["B"] == 0 and got["success_rate"]["C"] == 100 and got["success_rate"]["D"] == 50
    assert got["rerun_tasks"] == ["B", "C"]


def test_a_check_that_only_loses_episodes_when_off_helps() -> None:
    on = run({x: [True, True] for x in LETTERS}, {x: {"place_apart": 1} for x in LETTERS})
    off = run({x: [x != "E", True] for x in LETTERS})
    got = compare(on, off, "place_apart")
    assert got["helps"] and got["lost_without"] == 1 and got["won_without"] == 0


def test_a_skipped_task_where_the_check_acted_is_refused() -> None:
    on = run({x: [True] for x in LETTERS}, {"E": {"place_apart": 2}})
    off = run({x: [True] for x in LETTERS if x != "E"})
    with pytest.raises(SystemExit, match=r"skipped.*E"):
        compare(on, off, "place_apart")


def test_the_plan_reruns_each_check_only_where_it_acted_with_its_off_setting() -> None:
    on = run({x: [True] for x in LETTERS}, {"B": {"object_check": 3}, "E": {"noop_replan": 2, "object_check": 1}})
    assert off_runs(on) == [
        ("object_check", ["B", "E"], "object_check: false"),
        ("noop_replan", ["E"], "noop_replans: 0"),
    ]


def _with_settings(payload: dict, sha: str, decode: dict, grounding: dict) -> dict:
    settings = {"name": "p", "decoder": "ar", "decode": decode, "grounding": grounding}
    return {**payload, "config": {"provenance": {"checkpoint_sha256": sha, "settings": settings}}}


def test_runs_that_differ_in_more_than_the_switch_are_refused() -> None:
    """Round 2 of the refer-map ablation paired off-runs at refer_lm_weight 1.0 with an on-run at 0.0."""
    on = run({x: [True] for x in LETTERS}, {"B": {"place_apart": 1}})
    off = run({x: [True] for x in LETTERS})
    on_g, off_g = {"place_apart": True, "size_mask": True}, {"place_apart": False, "size_mask": True}
    same = compare(
        _with_settings(on, "s", {"refer_lm_weight": 1.0}, on_g),
        _with_settings(off, "s", {"refer_lm_weight": 1.0}, off_g),
        "place_apart",
    )
    assert same["lost_without"] == 0
    with pytest.raises(SystemExit, match=r"settings \['decode'\]"):
        compare(
            _with_settings(on, "s", {"refer_lm_weight": 0.0}, on_g),
            _with_settings(off, "s", {"refer_lm_weight": 1.0}, off_g),
            "place_apart",
        )
    with pytest.raises(SystemExit, match="different checkpoints"):
        compare(_with_settings(on, "s", {}, on_g), _with_settings(off, "t", {}, off_g), "place_apart")
    with pytest.raises(SystemExit, match=r"settings \['grounding'\]"):
        compare(
            _with_settings(on, "s", {}, on_g),
            _with_settings(off, "s", {}, {**off_g, "size_mask": False}),
            "place_apart",
        )
