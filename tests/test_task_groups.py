"""The named task selections: one home (envs.registration.task_groups), and the training set never holds F-K."""

from __future__ import annotations

import pytest

from lohovla.envs.registration import resolve_tasks, task_groups


def test_training_is_primitives_seen_and_lohoset_extras_and_never_an_unseen_task() -> None:
    groups = task_groups()
    assert not set(groups["training"]) & set(groups["unseen"])
    assert set(groups["training"]) == set(groups["primitives"]) | set(groups["seen"]) | set(groups["lohoset"])
    assert len(groups["training"]) == 17 and len(groups["lohoset"]) == 10 and len(groups["unseen"]) == 6
    assert set(groups["training"]) | set(groups["unseen"]) == set(groups["all"])


def test_groups_and_ids_mix_in_order_without_duplicates() -> None:
    ids = resolve_tasks(["put-block-into-matching-bowl", "seen", "pick-and-place-primitive"])
    assert ids[0] == "put-block-into-matching-bowl" and len(ids) == len(set(ids)) == 5
    assert resolve_tasks("seen,unseen") == task_groups()["table"]
    with pytest.raises(ValueError, match="unknown task"):
        resolve_tasks(["trainig"])
