"""LoHoVLAPolicy: the `Policy` protocol around a LoHoVLAModel, with Algorithm 1 deciding when to plan.

Per decision: encode the image, prefill [image][goal][BOS] into a KV cache, decode a sub-task (only when the
re-planning rule says so; otherwise reuse the cached one), read the readout state after the sub-task, take the
score maps' modes, kept to the objects the text names (grounded_targets.py: colour, size, not already in place),
and refine them with the flow head. Step.replanned is True exactly on planning steps, so the evaluation's
planning accuracy counts only those.

A sub-task whose action is a no-op here (already done: the pair stacked, every block of its colour in its zone;
or naming a block not to be seen) is planned again without it before a step is spent, on a planning step and on a
retry alike. Re-planning follows Algorithm 1 with the `evidence` rule by default (closed_loop.py): a failed step
whose heightmaps show the block moved from pick to place re-plans at once; if the block also landed inside the
bowl or zone named, the sub-task is avoided for the rest of the episode.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from lohovla.closed_loop import FailedSubtasks, ReplanRule
from lohovla.policies.base import Action, Feedback, Step
from lohovla.policies.lohovla.action_codec import decode_action
from lohovla.policies.lohovla.action_grounding import WORKSPACE, within_reach
from lohovla.policies.lohovla.action_head import flow_sample, map_mode
from lohovla.policies.lohovla.ar_decoder import BlockCache, greedy_decode
from lohovla.policies.lohovla.d2f_decoder import DecodeResult
from lohovla.policies.lohovla.grounded_targets import GroundedTargets, Targets
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.novel_plan import crop, novel_decode
from lohovla.policies.lohovla.object_check import FLAT_KINDS, SceneObjects, check_objects, seen_colors
from lohovla.policies.lohovla.planner import Prompt, d2f_plan, prefill
from lohovla.policies.lohovla.vision import downsample
from lohovla.step_evidence import carried_out

DECODERS = ("ar", "d2f")


class LoHoVLAPolicy:
    def __init__(
        self,
        model: LoHoVLAModel,
        decoder: str | None = None,
        replan: str = "evidence",
        k: int = 2,
        flow_steps: int | None = None,
        seed: int = 0,
        threads: int | None = None,
        device: str = "cpu",
        name: str | None = None,
        decode: dict[str, Any] | None = None,
        avoid_failed: int = 1,
    ) -> None:
        # decoder None: the checkpoint's choice (model.cfg.decode); `decode` overrides its D2F settings
        self.decode_cfg = model.cfg.decode.with_overrides(decode, decoder=decoder)
        decoder = self.decode_cfg.decoder
        self.last_decode: DecodeResult | None = None  # stats of the latest sub-task decoded (d2f)
        if threads:
            torch.set_num_threads(int(threads))
        self.model = model.eval().to(device)
        self.device, self.decoder, self.seed = torch.device(device), decoder, seed
        self.flow_steps = flow_steps or model.cfg.action.flow_steps
        self.rule = ReplanRule(replan, k)
        self.failed = FailedSubtasks(avoid_failed)  # a re-plan after failure avoids these (novel_plan.py)
        self.name = name or model.cfg.name
        self.goal, self.goal_ids, self.subtask, self.subtask_ids = "", [], "", []
        self.last_move: tuple[np.ndarray, Action] | None = None  # heightmap and action of the previous step
        self.gen = torch.Generator().manual_seed(seed)
        self.grounding = GroundedTargets(self.model)

    @property
    def hierarchical(self) -> bool:
        return self.model.cfg.text.use_subtask

    def reset(self, goal: str) -> None:
        self.goal, self.goal_ids = goal, self.model.codec.encode(goal)[: self.model.cfg.text.max_goal_tokens]
        self.subtask, self.subtask_ids = "", []
        self.last_move = None
        self.rule.reset()
        self.failed.reset()
        self.gen.manual_seed(self.seed)

    def fork(self) -> LoHoVLAPolicy:
        return LoHoVLAPolicy(
            self.model,
            self.decoder,
            self.rule.strategy,
            self.rule.k,
            self.flow_steps,
            self.seed,
            None,
            str(self.device),
            self.name,
            asdict(self.decode_cfg),
            self.failed.keep,
        )

    # --- the two halves of a decision ------------------------------------------------------------
    def _prefill(self, obs: dict[str, Any], plan: bool = False) -> Prompt:
        """[image][goal][BOS] into a fresh cache; on a planning step the colour bias (and D2F's drafts) come along,
        and on every step the detector's colour map when actions are grounded."""
        color, height = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
        batch = (torch.from_numpy(x)[None].to(self.device) for x in (color, height))
        cfg = self.decode_cfg if plan else None
        pixels = self.decode_cfg.ground_actions or (plan and self.decode_cfg.check_objects)
        return prefill(self.model, *batch, [self.goal_ids], cfg, pixels=pixels)

    def _plan(self, prompt: Prompt) -> list[int]:
        """Decode a sub-task (the cache holds the prompt alone), then make it pass the checks (`_checked`)."""
        m, n = self.model, self.model.cfg.text.max_subtask_tokens
        start = prompt.cache.length
        if self.decoder == "d2f":
            self.last_decode = d2f_plan(m, prompt.cache, prompt.last, self.decode_cfg, prompt.drafts, prompt.bias)
            tokens = self.last_decode.tokens
        else:
            tokens = greedy_decode(m.backbone, prompt.cache, prompt.last, m.codec.eos_id, n, prompt.bias)
        return self._checked(prompt, start, tokens, set())

    def _checked(self, prompt: Prompt, start: int, tokens: list[int], avoid: set[tuple[int, ...]]) -> list[int]:
        """`tokens`, or what replaces them: not a sub-task to avoid (`avoid`: this decision's no-ops, on top of what
        just failed; novel_plan.py), naming objects the scene shows (object_check.py). The cache holds
        [prompt | some of `tokens`] on entry, [prompt | the result] on exit."""
        m, n = self.model, self.model.cfg.text.max_subtask_tokens
        avoid = avoid | self.failed.avoid  # not what just failed, nor what was done and earned nothing
        if avoid:  # swap colour words only when the model knows them: another object, not a broken sentence
            colours = frozenset(m.color_token_ids()) if m.presence is not None else None
            tokens = novel_decode(
                prompt.cache, start, prompt.last, tokens, avoid, m.codec.eos_id, n, prompt.bias, swappable=colours
            )
        if self.decode_cfg.check_objects and prompt.pixels is not None and m.cfg.grounding.object_prob > 0:
            scene = self._scene_objects(prompt)
            args = (prompt.cache, start, prompt.last, tokens, scene, m.codec.eos_id, n, prompt.bias)
            tokens = check_objects(*args, avoid=avoid)
        return tokens

    def _scene_objects(self, prompt: Prompt) -> SceneObjects:
        """The colours the detector sees standing and lying flat in this scene (object_check.py)."""
        m = self.model
        g, ids = m.cfg.grounding, m.color_token_ids()
        standing, flat = seen_colors(prompt.pixels, prompt.height, g.stand_height, g.object_prob, g.erode)
        kinds = [frozenset(t for t, ok in zip(ids, row[0].tolist()) if ok) for row in (standing, flat)]
        flat_ids = frozenset(m.word_id(w) for w in FLAT_KINDS)
        return SceneObjects(kinds[0], kinds[1], tuple(ids), m.word_id("place"), m.word_id("block"), flat_ids)

    def _readout(self, cache: BlockCache, tokens: list[int], fed: int) -> torch.Tensor:
        """Readout state after the sub-task; the first `fed` tokens are already in the cache."""
        m = self.model
        if not self.hierarchical:
            ids, blocks = torch.zeros(1, 1, dtype=torch.long), [1]
            readout = 0
        else:
            rest = [*tokens[fed:], m.codec.eos_id, m.codec.pad_id]
            ids = torch.tensor([rest])
            blocks = list(range(fed + 1, len(tokens) + 3))
            readout = len(rest) - 1
        emb = m.text_embeds(ids.to(self.device), torch.tensor([readout], device=self.device))
        return cache.run(emb, torch.tensor(blocks))[:, -1]

    def _action(self, prompt: Prompt, h: torch.Tensor, height: np.ndarray) -> tuple[Action, bool]:
        """The action, and whether it is a no-op here (grounded_targets.py: already done, or it names what is not
        there); ungrounded, the score maps' modes and never a no-op."""
        m, img, dense = self.model, prompt.img, prompt.dense
        pick_logits, place_logits = m.action_maps(dense, h)
        if prompt.pixels is not None:  # grounded actions: the maps peak only where the named objects are
            text = self.subtask_ids if self.hierarchical else self.goal_ids  # what the readout state read
            t = self.grounding.targets(prompt, text, pick_logits, place_logits)
        else:
            t = Targets(map_mode(pick_logits), map_mode(place_logits))
        start = torch.stack([t.pick_xy, t.place_xy], 1)
        v = flow_sample(m.flow, start, img, dense, h, self.flow_steps, m.cfg.action.start_sigma, self.gen)
        if t.sized != (False, False) and m.cfg.grounding.flow_reach > 0:
            v = within_reach(v, start, m.cfg.grounding.flow_reach, WORKSPACE, t.sized)
        if not torch.isfinite(v).all():  # never sent to a robot: a bug in the checks above, not a bad scene
            raise RuntimeError(f"non-finite action for {self.model.codec.decode(self.subtask_ids)!r}")
        return decode_action(v[0].cpu().numpy(), np.asarray(height)), t.noop

    def _landed(self, prompt: Prompt) -> bool:
        """The block the previous step carried out sits inside the bowl or zone its sub-task named."""
        if self.last_move is None or prompt.pixels is None or self.model.presence is None:
            return True
        return self.grounding.landed(prompt, self.subtask_ids, self.last_move[1].place[0][:2])

    def _replan_noops(self, prompt: Prompt, prompt_len: int, action: Action, height: np.ndarray) -> Action:
        """The planned sub-task's action is a no-op (already done): plan again without it, up to
        `decode.noop_replans` times, before a step is spent on it; the last one stands if all are no-ops."""
        noops: set[tuple[int, ...]] = set()
        for _ in range(self.decode_cfg.noop_replans):
            noops.add(tuple(self.subtask_ids))
            crop(prompt.cache, prompt_len)
            tokens = self._checked(prompt, prompt_len, self.subtask_ids, noops)
            if tuple(tokens) in noops:
                break  # nothing else to write
            self.subtask_ids = tokens
            h = self._readout(prompt.cache, tokens, prompt.cache.length - prompt_len)
            action, noop = self._action(prompt, h, height)
            if not noop:
                break
        return action

    def _carried_out(self, height: np.ndarray) -> bool:
        """The previous action visibly moved a block from its pick point to its place point (step_evidence.py)."""
        if self.last_move is None:
            return False
        before, action = self.last_move
        return carried_out(before, np.asarray(height), action.pick[0][:2], action.place[0][:2])

    # --- Policy protocol ---------------------------------------------------------------------------
    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        done = self._carried_out(obs["height"]) if feedback.step and self.rule.strategy == "evidence" else False
        plan = self.hierarchical and self.rule.should_plan(feedback.step, feedback.reward, done)
        with torch.inference_mode():
            t0 = time.perf_counter()
            prompt = self._prefill(obs, plan)
            t1 = time.perf_counter()
            # done as written and unrewarded: avoided for the episode; a block set down beside its zone: retried
            spent = done and feedback.reward <= 0 and self._landed(prompt)
            self.failed.update(tuple(self.subtask_ids), feedback.step, feedback.reward, spent)
            prompt_len = prompt.cache.length
            if plan:
                self.subtask_ids = self._plan(prompt)
            t2 = time.perf_counter()
            h = self._readout(prompt.cache, self.subtask_ids, prompt.cache.length - prompt_len)
            action, noop = self._action(prompt, h, obs["height"])
            replan_ms = 0.0
            if noop and self.hierarchical and (plan or self.decode_cfg.noop_retries):
                tr = time.perf_counter()
                if not plan:  # the kept sub-task is done now (a retry found it in place): plan, as after a reward
                    plan = True
                    self.rule.restart()
                    prompt = self._prefill(obs, plan)
                    prompt_len = prompt.cache.length
                action = self._replan_noops(prompt, prompt_len, action, obs["height"])
                replan_ms = (time.perf_counter() - tr) * 1000
            if plan:
                self.subtask = self.model.codec.decode(self.subtask_ids)
            t3 = time.perf_counter()
        prefill = (t1 - t0) * 1000
        timings = {
            "plan_ms": prefill + (t2 - t1) * 1000 + replan_ms if plan else 0.0,
            "action_ms": (t3 - t2) * 1000 - replan_ms + (0.0 if plan else prefill),
            "prefill_ms": prefill,
        }
        self.last_move = (np.array(obs["height"], copy=True), action)
        subtask = self.subtask if self.hierarchical else ""
        return Step(subtask=subtask, action=action, timings=timings, replanned=plan)

    def plan(self, obs: dict[str, Any]) -> str:
        """Decode a sub-task for `obs` under the current goal (no state change)."""
        with torch.inference_mode():
            return self.model.codec.decode(self._plan(self._prefill(obs, plan=True)))
