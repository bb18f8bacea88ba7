"""Choosing and measuring D2F settings: the tuning grid is every combination of the verified decoder, val states are
their own, and the paired speed-up pairs each scene's two timings."""

from __future__ import annotations

from types import SimpleNamespace

from benchmarks.decode_scenes import request_key
from benchmarks.decode_tune import grid
from lohovla.policies.lohovla.decode_config import DecodeConfig


def test_the_grid_is_every_combination_of_verified_d2f_and_ar() -> None:
    model = SimpleNamespace(cfg=SimpleNamespace(decode=DecodeConfig(decoder="ar", verify=False, branches=1)))
    cfgs = grid(model, "tau_conf=0,0.5;keep_drafts=true,false;prefill_blocks=2")
    assert next(iter(cfgs)) == "ar" and cfgs["ar"].decoder == "ar" and len(cfgs) == 5
    d2f = {k: v for k, v in cfgs.items() if k != "ar"}
    assert all(c.decoder == "d2f" and c.verify and c.prefill_blocks == 2 for c in d2f.values())
    assert {(c.tau_conf, c.keep_drafts) for c in d2f.values()} == {(0, True), (0, False), (0.5, True), (0.5, False)}
    assert d2f["tau_conf=0.5,keep_drafts=False,prefill_blocks=2"].tau_conf == 0.5


def test_val_states_are_cached_apart_and_test_requests_keep_their_key() -> None:
    assert request_key(["a", "b"], 6, 3) == request_key(["a", "b"], 6, 3, "test") == "a,b|6|3"
    assert request_key(["a", "b"], 6, 3, "val") != request_key(["a", "b"], 6, 3)


def test_the_paired_speed_up_pairs_each_scenes_two_timings() -> None:
    from benchmarks.decode import paired_speedup

    ar = [{"plan_ms": t} for t in (10.0, 40.0, 90.0)]
    d2f = [{"plan_ms": t} for t in (5.0, 10.0, 90.0)]  # 2x, 4x, 1x: the median scene is 2x
    assert paired_speedup(ar, d2f) == 2.0
    assert paired_speedup(ar, d2f) != 40.0 / 10.0  # not the ratio of the medians
