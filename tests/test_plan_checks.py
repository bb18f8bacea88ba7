"""Plan checks after decoding: a re-plan after failure writes something new, a pick colour must stand; the cache
stays what AR would have fed."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from _d2f_fixtures import scenes, sharp_model
from _model_fixtures import random_obs

from lohovla.policies.base import Feedback
from lohovla.policies.closed_loop import FailedSubtasks
from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.novel_plan import novel_decode
from lohovla.policies.lohovla.object_check import SceneObjects, check_objects, seen_colors
from lohovla.policies.lohovla.planner import prefill
from lohovla.policies.lohovla.policy import LoHoVLAPolicy
from lohovla.policies.lohovla.subtask import Words, word_positions

MAX = 12


def test_failed_subtasks_remember_the_last_failures_until_a_reward() -> None:
    f = FailedSubtasks(keep=2)
    f.update(("a",), 0, 0.0)
    assert f.recent == []  # step 0: the episode start
    for s in ("a", "b", "a", "c"):
        f.update((s,), 1, 0.0)
    assert f.recent == [("a",), ("c",)]
    f.update(("c",), 2, 0.5)
    assert f.recent == []
    off = FailedSubtasks(keep=0)
    off.update(("a",), 1, 0.0)
    assert off.recent == []
    with pytest.raises(ValueError):
        FailedSubtasks(keep=-1)


def test_a_subtask_done_without_reward_is_avoided_for_the_episode() -> None:
    f = FailedSubtasks(keep=1)
    f.update(("odd",), 1, 0.0, spent=True)  # moved, earned nothing
    f.update(("miss",), 2, 0.0)  # a missed grasp: only remembered until the next reward
    assert f.avoid == {("odd",), ("miss",)} and f.recent == [("miss",)]
    f.update(("even",), 3, 0.5)
    assert f.avoid == {("odd",)}  # still wrong after another sub-task earned its reward
    f.update(("odd",), 0, 0.0)
    assert f.avoid == set()  # a new episode
    off = FailedSubtasks(keep=0)
    off.update(("odd",), 1, 0.0, spent=True)
    assert off.avoid == set()  # Algorithm 1 as published


def _prompt(model, i: int):
    color, height, goals = scenes(model, 4, seed=5)
    return prefill(model, color[i : i + 1], height[i : i + 1], [goals[i]])


@torch.no_grad()
def test_novel_decode_swaps_the_least_certain_choice_and_keeps_an_ar_cache() -> None:
    model = sharp_model()
    eos, bb = model.codec.eos_id, model.backbone
    checked = 0
    for i in range(4):
        p = _prompt(model, i)
        start = p.cache.length
        greedy = greedy_decode(bb, p.cache, p.last, eos, MAX)
        assert novel_decode(p.cache, start, p.last, greedy, set(), eos, MAX) == greedy  # nothing to avoid
        out = novel_decode(p.cache, start, p.last, greedy, {tuple(greedy)}, eos, MAX)
        if out == greedy:
            continue  # no runner-up found in `tries`: allowed, but not for every scene
        checked += 1
        j = next(k for k in range(len(out)) if k >= len(greedy) or out[k] != greedy[k])
        assert out[:j] == greedy[:j]
        # after the swapped token, decoding is greedy again: a fresh AR pass over the same prefix agrees
        q = _prompt(model, i)
        fed = BlockCache.run(q.cache, bb.embed(torch.tensor([out[: j + 1]])), torch.arange(1, j + 2))[:, -1]
        assert greedy_decode(bb, q.cache, fed, eos, MAX - j - 1, start=j + 1) == out[j + 1 :]
        # and the cache holds exactly what AR would have fed (so the readout reads the same states)
        assert p.cache.length == q.cache.length
        for a, b in zip(p.cache.cache.layers, q.cache.cache.layers):
            torch.testing.assert_close(a.keys, b.keys, atol=1e-5, rtol=1e-4)
        assert torch.equal(p.cache.block_ids, q.cache.block_ids)
        # the swap was at the least certain position of the greedy decision
        states = torch.cat([p.last[:, None], _states(model, i, greedy)], 1)[0]
        top2 = bb.logits(states).topk(2, -1).values
        margins = (top2[:, 0] - top2[:, 1])[: len(greedy) + 1]
        assert int(margins.argmin()) == j
    assert checked >= 2


@torch.no_grad()
def test_novel_decode_can_swap_only_the_named_words() -> None:
    model = sharp_model()
    eos, bb = model.codec.eos_id, model.backbone
    for i in range(4):
        p = _prompt(model, i)
        start = p.cache.length
        greedy = greedy_decode(bb, p.cache, p.last, eos, MAX)
        words = sorted(set(greedy))[:2]  # stand-ins for the colour words
        pool = {*words, *range(5, 9)} - {eos}
        out = novel_decode(p.cache, start, p.last, greedy, {tuple(greedy)}, eos, MAX, swappable=pool)
        if out == greedy:
            continue
        j = next(k for k in range(len(out)) if k >= len(greedy) or out[k] != greedy[k])
        assert greedy[j] in pool and out[j] in pool  # a word of the pool swapped for another
        assert j == next(k for k, t in enumerate(greedy) if t in pool)  # the first one (the pick's colour)
        return
    raise AssertionError("no scene found a swap within the pool")


def _states(model, i: int, tokens: list[int]) -> torch.Tensor:
    p = _prompt(model, i)
    return p.cache.run(model.backbone.embed(torch.tensor([tokens])), torch.arange(1, len(tokens) + 1))


@torch.no_grad()
def test_policy_replans_something_new_after_a_failure() -> None:
    model, obs = sharp_model(), random_obs(1)

    def plans(avoid: int) -> list[str]:
        policy = LoHoVLAPolicy(model, replan="always", avoid_failed=avoid)
        policy.reset(obs["goal"])
        return [policy.act(obs, Feedback(step=t, reward=0.0)).subtask for t in range(3)]

    same = plans(0)
    assert same[0] == same[1] == same[2]  # Algorithm 1 alone: the same scene, the same sub-task
    new = plans(1)
    assert new[0] == same[0] and new[1] != new[0] and new[2] != new[1]


def test_seen_colours_stand_on_a_raised_patch_or_lie_flat() -> None:
    probs = torch.zeros(1, 3, 8, 8)
    probs[0, 0, :, :4] = 0.9  # colour 0: a bowl, floor and a one-pixel wall
    probs[0, 1, 4:7, 4:7] = 0.9  # colour 1: a block top
    probs[0, 2, 0:3, 5:8] = 0.3  # colour 2: a block top, but not its main colour
    height = torch.zeros(1, 8, 8)
    height[0, :, 3] = 0.04  # the wall
    height[0, 4:7, 4:7] = height[0, 0:3, 5:8] = 0.04
    standing, flat = seen_colors(probs, height, 0.02, 0.5)
    assert standing.tolist() == [[False, True, False]] and flat.tolist() == [[True, False, False]]
    assert seen_colors(probs, height, 0.02, 0.2)[0].tolist() == [[False, True, True]]
    assert seen_colors(probs, height, 0.05, 0.2)[0].tolist() == [[False, False, False]]


def test_colour_positions_split_at_place() -> None:
    assert word_positions([1, 10, 2, 11, 5, 12, 13], [10, 11, 12], 5) == (3, 5)
    assert word_positions([1, 2, 5, 12], [10, 11, 12], 5) == (None, 3)
    assert word_positions([1, 10, 5, 2], [10, 11, 12], 5) == (1, None)


def _scene(model, standing: tuple[str, ...], flat: tuple[str, ...]) -> SceneObjects:
    c = model.codec
    ids = tuple(c.encode(w)[0] for w in ("red", "blue", "green"))
    word = {w: c.encode(w)[0] for w in ("red", "blue", "green", "place", "block", "bowl", "zone", "smaller", "bigger")}
    kinds = {word[w]: w for w in ("block", "bowl", "zone")}
    words = Words(ids, (word["smaller"], word["bigger"]), word["place"], word["block"], kinds)
    return SceneObjects(frozenset(word[w] for w in standing), frozenset(word[w] for w in flat), words)


def test_scene_objects_judge_pick_and_place_by_kind() -> None:
    model = sharp_model()
    scene = _scene(model, standing=("red",), flat=("blue",))
    enc = model.codec.encode
    assert scene.passes(enc("pick up the red block and place it in the blue bowl."))
    assert not scene.passes(enc("pick up the blue block and place it in the blue bowl."))  # blue only lies flat
    assert not scene.passes(enc("pick up the red block and place it in the green bowl."))  # no green anywhere
    assert not scene.passes(enc("pick up the red block and place it on the blue block."))  # blue is no block
    assert scene.passes(enc("pick up the red block and place it on the table."))


@torch.no_grad()
def test_object_check_decodes_again_from_the_pick_colour() -> None:
    model = sharp_model()
    eos, bb = model.codec.eos_id, model.backbone
    planned = model.codec.encode("pick up the red block and place it in the blue bowl.")
    p = _prompt(model, 0)
    start = p.cache.length
    fine = _scene(model, standing=("red", "green"), flat=("blue",))
    assert check_objects(p.cache, start, p.last, planned, fine, eos, 30) == (planned, False)
    scene = _scene(model, standing=("blue", "green"), flat=("red", "blue", "green"))  # red is only a bowl
    out, kind_changed = check_objects(p.cache, start, p.last, planned, scene, eos, 30)
    assert not kind_changed
    j = planned.index(model.codec.encode("red")[0])
    assert out[:j] == planned[:j] and out[j] in scene.standing
    q = _prompt(model, 0)
    state = q.cache.run(bb.embed(torch.tensor([planned[:j]])), torch.arange(1, j + 1))[:, -1]
    logits = bb.logits(state)[0]
    ranked = sorted(scene.standing, key=lambda t: -float(logits[t]))

    def continued(colour: int) -> tuple[list[int], BlockCache]:
        r = _prompt(model, 0)
        r.cache.run(bb.embed(torch.tensor([planned[:j]])), torch.arange(1, j + 1))
        fed = r.cache.run(bb.embed(torch.tensor([[colour]])), torch.tensor([j + 1]))[:, -1]
        return [*planned[:j], colour, *greedy_decode(bb, r.cache, fed, eos, 30 - j - 1, start=j + 1)], r.cache

    tried = [continued(t) for t in ranked]
    passing = [x for x in tried if scene.passes(x[0])]
    want, cache = (passing or tried)[0]  # the likeliest standing colour whose sub-task passes, else the likeliest
    assert out == want
    assert p.cache.length == cache.length and torch.equal(p.cache.block_ids, cache.block_ids)


@torch.no_grad()
def test_object_check_does_not_bring_back_a_subtask_to_avoid() -> None:
    """A re-plan that steered away from a sub-task (novel_plan.py) must not get it back from the object check."""
    model = sharp_model()
    eos = model.codec.eos_id
    planned = model.codec.encode("pick up the red block and place it in the blue bowl.")
    scene = _scene(model, standing=("blue", "green"), flat=("red", "blue", "green"))  # red is only a bowl
    seen = []
    for _ in scene.standing:  # each standing colour's re-decoding, the likeliest first, avoiding those before
        p = _prompt(model, 0)
        out, _ = check_objects(p.cache, p.cache.length, p.last, planned, scene, eos, 30, avoid=set(seen))
        assert out != planned and tuple(out) not in seen
        seen.append(tuple(out))
    p = _prompt(model, 0)
    start = p.cache.length
    out, _ = check_objects(p.cache, start, p.last, planned, scene, eos, 30, avoid=set(seen))
    assert out == planned and p.cache.length == start  # all avoided: the planned tokens stand, none cached


class _RecordingHead:
    """The backbone, remembering the last token it embedded (what a re-decoding forced)."""

    def __init__(self, backbone) -> None:
        self.backbone, self.last = backbone, None

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        self.last = int(ids[0, -1])
        return self.backbone.embed(ids)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.backbone.logits(hidden)


@torch.no_grad()
def test_object_kind_decodes_the_place_again_from_its_preposition(monkeypatch) -> None:
    """Blocks only, and every pick colour's re-decoding places "in the blue bowl": with `kinds` the place is decoded
    again from "on", which names a block; without, the likeliest pick colour's sub-task stands."""
    model = sharp_model()
    enc, eos = model.codec.encode, model.codec.eos_id
    on, inside = enc("on")[0], enc("in")[0]
    rests = {on: enc("the blue block."), inside: enc("the blue bowl.")}
    p = _prompt(model, 0)
    head = p.cache.head = _RecordingHead(model.backbone)
    after_colour = enc("block and place it in the blue bowl.")
    monkeypatch.setattr(
        "lohovla.policies.lohovla.object_check.greedy_decode",
        lambda *a, **k: rests.get(head.last, after_colour),
    )
    scene = _scene(model, standing=("red", "blue"), flat=())
    scene = SceneObjects(scene.standing, scene.flat, replace(scene.words, prepositions=(inside, on)))
    planned = enc("pick up the green block and place it in the blue bowl.")
    start = p.cache.length
    out, kind_changed = check_objects(p.cache, start, p.last, planned, scene, eos, 30)
    assert not kind_changed and not scene.passes(out) and out[-len(after_colour) :] == after_colour
    out, kind_changed = check_objects(p.cache, start, p.last, planned, scene, eos, 30, kinds=True)
    assert kind_changed and scene.passes(out)
    assert out in [enc(f"pick up the {c} block and place it on the blue block.") for c in ("red", "blue")]
    again, _ = check_objects(p.cache, start, p.last, planned, scene, eos, 30, kinds=True, avoid={tuple(out)})
    assert again != out and scene.passes(again)  # the other pick colour's
