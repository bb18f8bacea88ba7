"""The fidelity benchmark's pure part: scene features and sample comparison, on hand-made scenes."""

from __future__ import annotations

from benchmarks.fidelity import select_tasks, table_rows
from benchmarks.fidelity_stats import (
    TASKS,
    compare,
    features,
    goal_areas,
    in_area,
    ks_distance,
    permutation_p,
    summary,
    tv_distance,
)


def _obj(kind: str, color: str, xy=(0.5, 0.0), size: float | None = None) -> dict:
    default = {"block": 0.04, "bowl": 0.12, "zone": 0.15}[kind]
    return {"kind": kind, "color": color, "size": size or default, "position": [xy[0], xy[1], 0.02]}


def _scene(objects: list[dict], goal: str = "", split: str = "test", max_steps: int = 5) -> dict:
    return {"split": split, "goal": goal, "max_steps": max_steps, "objects": objects}


def test_areas_follow_lohoravens_top_is_small_x_left_is_negative_y() -> None:
    assert in_area((0.3, -0.3), "top left")
    assert in_area((0.3, 0.3), "top right")
    assert in_area((0.7, -0.3), "bottom left")
    assert not in_area((0.3, 0.3), "bottom left")
    # with the axes swapped, "top right" and "bottom left" trade places; "top left" stays
    assert in_area((0.7, -0.3), "top right", swapped=True)
    assert in_area((0.3, -0.3), "top left", swapped=True)


def test_goal_areas_keep_the_order_of_the_text() -> None:
    assert goal_areas("move all the blocks in the bottom right area to the top left area.") == [
        "bottom right",
        "top left",
    ]
    assert goal_areas("stack all the blocks in the top right area.") == ["top right"]


def test_matching_bowl_features_split_goal_blocks_from_distractors() -> None:
    objs = [_obj("bowl", c) for c in ("red", "blue", "green")] + [_obj("block", c) for c in ("red", "blue")]
    objs += [_obj("block", "yellow"), _obj("bowl", "cyan")]  # yellow, cyan: off the test palette
    f = features("B", _scene(objs, "put the blocks in the bowls with matching colors."))
    assert f["goal blocks"] == 2
    assert f["blocks without own-colour bowl"] == 1
    assert f["bowls matching no block"] == 2  # green and cyan
    assert f["distractors"] == 3
    assert f["objects off the split palette"] == 2
    assert features("B", _scene(objs, split="train"))["objects off the split palette"] == 0


def test_even_blocks_count_only_colours_with_an_even_count_and_a_zone() -> None:
    objs = [_obj("zone", "red"), _obj("zone", "blue"), _obj("zone", "green")]
    objs += [_obj("block", "red")] * 2 + [_obj("block", "blue")] * 3 + [_obj("block", "green")] * 4
    f = features("E", _scene(objs))
    assert f["goal blocks"] == 6
    assert f["distractors"] == 3


def test_area_features_count_blocks_by_the_original_meaning_and_swapped() -> None:
    objs = [_obj("block", "red", (0.3, 0.3)), _obj("block", "blue", (0.7, -0.3)), _obj("block", "red", (0.4, 0.2))]
    f = features("D", _scene(objs, "stack all the blocks in the top right area."))
    assert f["goal area"] == "top right"
    assert f["goal blocks"] == 2
    assert f["blocks in the named area, axes swapped"] == 1
    assert f["named area holds < 3 blocks"] == 1
    j = features("J", _scene(objs, "move all the blocks in the top right area to the bottom left area."))
    assert j["blocks already in the target area"] == 1
    assert (j["source area"], j["target area"]) == ("top right", "bottom left")


def test_size_tasks_read_sizes_and_pairs() -> None:
    pair = [_obj("block", "red", size=0.06), _obj("block", "red")]
    c = features("C", _scene(pair + [_obj("block", "white", size=0.06)]))
    assert (c["goal blocks"], c["distractors"], c["bigger blocks"]) == (2, 1, 2)
    g = features("G", _scene(pair))
    assert g["unsolvable (1 bigger + 1 smaller)"] == 1
    i = features("I", _scene(pair + [_obj("block", "blue", size=0.06), _obj("block", "blue"), _obj("zone", "red")]))
    assert i["goal blocks"] == 2  # the blue pair has no zone


def test_original_goal_list_is_counted_only_where_recorded() -> None:
    objs = [dict(_obj("block", "red"), in_goal=True), dict(_obj("block", "red"), in_goal=False)]
    assert features("K", _scene(objs))["objects in the original's goal list"] == 1
    assert "objects in the original's goal list" not in features("K", _scene([_obj("block", "red")]))


def test_distances_and_permutation_p() -> None:
    assert tv_distance([1, 2], [1, 2]) == 0.0
    assert tv_distance([1, 1], [2, 2]) == 1.0
    assert ks_distance([1, 2, 3, 4], [3, 4, 5, 6]) == 0.5
    # counts use KS: a shift of many distinct values is found where TV sees every sample as disjoint anyway
    assert permutation_p(list(range(10, 30)), list(range(22, 42))) < 0.01
    assert permutation_p(["bowl", "zone"] * 10, ["bowl", "zone"] * 10) == 1.0
    assert permutation_p([3] * 20, [3] * 20) == 1.0
    assert permutation_p([5, 6, 7] * 10, [2, 3, 4] * 10) < 0.01
    assert permutation_p([2, 3, 4] * 10, [3, 2, 4] * 10) > 0.5


def test_compare_flags_a_shifted_count_and_keeps_equal_ones() -> None:
    original = [{"blocks": n, "zones": 0} for n in (5, 6, 7) * 8]
    ours = [{"blocks": n, "zones": 0} for n in (2, 3, 4) * 8]
    out = compare(original, ours)
    assert out["blocks"]["verdict"] == "differs"
    assert out["zones"]["verdict"] == "same"
    assert out["blocks"]["original"] == "6.00 (5-7)"
    assert compare([{"only": 1}], [{}])["only"]["verdict"] == "missing"


def test_summary_of_text_values_gives_the_commonest_shares() -> None:
    assert summary(["bowl", "bowl", "zone", "block"]) == "bowl 50%, block 25%, zone 25%"
    assert summary([]) == "-"


def test_task_selection_by_letter_and_table_rows() -> None:
    assert select_tasks("b,F") == ["put-block-into-matching-bowl", "put-block-into-mismatching-bowl"]
    assert len(select_tasks("all")) == 11 == len({v[0] for v in TASKS.values()})
    results = {
        "put-block-into-matching-bowl": {
            "letter": "B",
            "splits": {
                "train": {"features": compare([{"blocks": 5}] * 10, [{"blocks": 5}] * 10)},
                "test": {"features": compare([{"blocks": 6}] * 10, [{"blocks": 3}] * 10)},
            },
        }
    }
    (row,) = table_rows(results)
    assert row["verdict"] == "differs"
    assert (row["original test"], row["ours test"]) == ("6.00 (6)", "3.00 (3)")
    only = {"x": {"letter": "K", "splits": {"test": {"features": compare([{"goal list": 3}] * 4, [{}] * 4)}}}}
    assert table_rows(only)[0]["verdict"] == "original only"
