"""LoHoVLAPolicy: the `Policy` protocol around a LoHoVLAModel. `act()` reads top to bottom:

0. Algorithm 1 (closed_loop.py) says whether to plan a sub-task now or keep the cached one;
1. the model proposes: the prompt is prefilled, the sub-task decoded (AR or D2F), the score maps read out;
2. the grounding layer checks the sub-task (plan_checks.py: avoid what failed, the named objects are seen) and
   masks the maps (grounded_targets.py); the flow head refines the starts, kept near a size-masked face;
3. the decoder proposes again where the action is a no-op here (already done, or names what is not there):
   the next-best sub-task not avoided that passes the checks.

Every check has a switch in the grounding config (grounding_config.py); `grounding=False` is the model alone
(greedy sub-task, raw maps and flow, Algorithm 1 with the threshold rule). Each Step names the checks that
changed its sub-task or action (`interventions`) and carries what a viewer needs to show why (`explain`).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lohovla.policies.base import Action, Feedback, Step
from lohovla.policies.closed_loop import FailedSubtasks, ReplanRule
from lohovla.policies.lohovla.action_codec import decode_action
from lohovla.policies.lohovla.action_head import flow_sample, map_mode
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.explain import explain
from lohovla.policies.lohovla.grounded_targets import GroundedTargets, Targets
from lohovla.policies.lohovla.grounding_config import GroundingConfig, grounding_settings
from lohovla.policies.lohovla.loading import load_model
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.plan_checks import PlanChecks
from lohovla.policies.lohovla.planner import Prompt, pixel_maps, prefill
from lohovla.policies.lohovla.scene_reading import SceneReading
from lohovla.policies.lohovla.subtask import parse
from lohovla.policies.lohovla.vision import downsample
from lohovla.policies.step_evidence import carried_out


class LoHoVLAPolicy:
    def __init__(
        self,
        model: LoHoVLAModel,
        decoder: str | None = None,
        replan: str | None = None,
        k: int = 2,
        flow_steps: int | None = None,
        seed: int = 0,
        threads: int | None = None,
        device: str = "cpu",
        name: str | None = None,
        decode: dict[str, Any] | None = None,
        avoid_failed: int | None = None,
        grounding: bool | dict[str, Any] | GroundingConfig = True,
    ) -> None:
        # decoder None: the checkpoint's choice (model.cfg.decode); `decode` overrides its D2F settings
        self.decode_cfg = model.cfg.decode.with_overrides(decode, decoder=decoder)
        self.g = grounding_settings(model.cfg.grounding, grounding)
        self.last_decode = None  # stats of the latest sub-task decoded (d2f)
        if threads:
            torch.set_num_threads(int(threads))
        self.model = model.eval().to(device)
        self.device, self.decoder, self.seed = torch.device(device), self.decode_cfg.decoder, seed
        self.flow_steps = flow_steps or model.cfg.action.flow_steps
        self.rule = ReplanRule(replan or "threshold", k)
        self.failed = FailedSubtasks(self.g.avoid_failed if avoid_failed is None else avoid_failed)
        self.name = name or model.cfg.name
        self.goal, self.goal_ids, self.subtask, self.subtask_ids = "", [], "", []
        self.last_move: tuple[np.ndarray, Action] | None = None  # heightmap and action of the previous step
        self.gen = torch.Generator().manual_seed(seed)
        self.checks = PlanChecks(self.model, self.g, self.decode_cfg)
        self.grounding = GroundedTargets(self.g)

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
        args = (self.model, self.decoder, self.rule.strategy, self.rule.k, self.flow_steps, self.seed, None)
        decode = asdict(self.decode_cfg)
        return LoHoVLAPolicy(*args, str(self.device), self.name, decode, self.failed.keep, self.g)

    # --- stage 1: the model proposes -------------------------------------------------------------
    def _prefill(self, obs: dict[str, Any], plan: bool = False) -> tuple[Prompt, SceneReading | None]:
        """[image][goal][BOS] into a fresh cache (with D2F's drafts on a planning step), and this decision's scene
        reading when a check needs one."""
        color, height = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
        color, height = (torch.from_numpy(x)[None].to(self.device) for x in (color, height))
        prompt = prefill(self.model, color, height, [self.goal_ids], self.decode_cfg if plan else None)
        read = self.g.grounds_actions or (plan and self.g.object_check)
        maps = (prompt.maps or pixel_maps(self.model, color, height)) if read else None
        if maps is None:
            return prompt, None
        return prompt, SceneReading(maps[0], height, maps[1], self.g)

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

    # --- stage 2: the grounding layer checks and masks --------------------------------------------
    def _action(self, prompt: Prompt, scene: SceneReading | None, h: torch.Tensor, height) -> tuple[Action, Targets]:
        """The action from the score maps, masked by the grounding checks when a scene reading is at hand, and
        the targets (whether it is a no-op here, which checks moved it)."""
        m, img, dense = self.model, prompt.img, prompt.dense
        pick_logits, place_logits = m.action_maps(dense, h)
        if scene is not None:
            text = self.subtask_ids if self.hierarchical else self.goal_ids  # what the readout state read
            t = self.grounding.targets(scene, parse(text, self.checks.words), pick_logits, place_logits)
        else:
            modes = (map_mode(pick_logits), map_mode(place_logits))
            t = Targets(*modes, maps=(pick_logits, place_logits), model_xy=modes)
        start = torch.stack([t.pick_xy, t.place_xy], 1)
        v = flow_sample(m.flow, start, img, dense, h, self.flow_steps, m.cfg.action.start_sigma, self.gen)
        if not torch.isfinite(v).all():  # never sent to a robot: a bug in the checks above, not a bad scene
            raise RuntimeError(f"non-finite action for {self.model.codec.decode(self.subtask_ids)!r}")
        return decode_action(v[0].cpu().numpy(), np.asarray(height)), t

    def _carried_out(self, height: np.ndarray) -> bool:
        """The previous action visibly moved a block from its pick point to its place point (step_evidence.py)."""
        if self.last_move is None:
            return False
        before, action = self.last_move
        return carried_out(before, np.asarray(height), action.pick[0][:2], action.place[0][:2])

    # --- stage 3: the decoder proposes again ------------------------------------------------------
    def _replan_noops(self, prompt: Prompt, scene, prompt_len: int, action: Action, t: Targets, height, noted):
        """The planned sub-task's action is a no-op (already done): plan again without it, up to
        `noop_replans` times, before a step is spent on it; the last one stands if all are no-ops."""
        noops: set[tuple[int, ...]] = set()
        for _ in range(self.g.noop_replans):
            noops.add(tuple(self.subtask_ids))
            prompt.cache.crop(prompt_len)
            avoid = noops | self.failed.avoid
            tokens = self.checks.checked(prompt, scene, prompt_len, self.subtask_ids, avoid, noted, avoid_name=None)
            if tuple(tokens) in noops:
                break  # nothing else to write
            self.subtask_ids = tokens
            h = self._readout(prompt.cache, tokens, prompt.cache.length - prompt_len)
            action, t = self._action(prompt, scene, h, height)
            if not t.noop:
                break
        return action, t

    # --- Policy protocol ---------------------------------------------------------------------------
    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        # 0. Algorithm 1: plan now, or keep the sub-task and ask only for a new action
        done = self._carried_out(obs["height"]) if feedback.step and self.rule.strategy == "evidence" else False
        plan = self.hierarchical and self.rule.should_plan(feedback.step, feedback.reward, done)
        kept, noted, proposed = list(self.subtask_ids), [], None
        with torch.inference_mode():
            t0 = time.perf_counter()
            prompt, scene = self._prefill(obs, plan)
            t1 = time.perf_counter()
            spent = done and feedback.reward <= 0  # done as written and unrewarded: avoided for the episode
            self.failed.update(tuple(self.subtask_ids), feedback.step, feedback.reward, spent)
            start = prompt.cache.length
            if plan:  # 1. the model proposes a sub-task; 2. the checks accept it or re-decode it
                proposed, self.last_decode = self.checks.propose(prompt)
                self.subtask_ids = self.checks.checked(prompt, scene, start, proposed, self.failed.avoid, noted)
            t2 = time.perf_counter()
            # 1. the model proposes score maps and flow; 2. the checks mask the maps and keep the flow near
            h = self._readout(prompt.cache, self.subtask_ids, prompt.cache.length - start)
            action, t = self._action(prompt, scene, h, obs["height"])
            replan_ms, before = 0.0, list(self.subtask_ids)
            if t.noop and self.hierarchical and (plan or self.g.noop_retry):  # 3. the decoder proposes again
                tr, retry = time.perf_counter(), not plan
                if retry:  # the kept sub-task is done now (a retry found it in place): plan, as after a reward
                    plan, proposed = True, kept
                    self.rule.restart()
                    prompt, scene = self._prefill(obs, plan)
                    start = prompt.cache.length
                action, t = self._replan_noops(prompt, scene, start, action, t, obs["height"], noted)
                if self.subtask_ids != before:
                    noted.append("noop_retry" if retry else "noop_replan")
                replan_ms = (time.perf_counter() - tr) * 1000
            if plan:
                self.subtask = self.model.codec.decode(self.subtask_ids)
            t3 = time.perf_counter()
        prefill_ms = (t1 - t0) * 1000
        timings = {
            "plan_ms": prefill_ms + (t2 - t1) * 1000 + replan_ms if plan else 0.0,
            "action_ms": (t3 - t2) * 1000 - replan_ms + (0.0 if plan else prefill_ms),
            "prefill_ms": prefill_ms,
        }
        self.last_move = (np.array(obs["height"], copy=True), action)
        return self._step(obs, action, t, plan, proposed, noted, timings)

    def _step(self, obs, action, t: Targets, plan: bool, proposed, noted, timings) -> Step:
        """The Step, with the checks that changed its sub-task or action and what a viewer needs to see why."""
        names = list(dict.fromkeys([*noted, *t.interventions]))
        before = None
        if proposed is not None and list(proposed) != self.subtask_ids:
            before = self.model.codec.decode(list(proposed))
        why = explain(t.maps, t.model_xy, action, np.asarray(obs["height"]).shape[:2], before)
        subtask = self.subtask if self.hierarchical else ""
        return Step(subtask, action, timings, replanned=plan, interventions=names, explain=why)

    def plan(self, obs: dict[str, Any]) -> str:
        """Decode a sub-task for `obs` under the current goal (no state change)."""
        with torch.inference_mode():
            prompt, scene = self._prefill(obs, plan=True)
            start = prompt.cache.length
            tokens, _ = self.checks.propose(prompt)
            return self.model.codec.decode(self.checks.checked(prompt, scene, start, tokens, self.failed.avoid, []))


def load_checkpoint_policy(path: Path | str, **kwargs: Any) -> LoHoVLAPolicy:
    """A LoHoVLAPolicy (decoder, replan, k, flow_steps, seed, threads, device, grounding as keyword arguments)."""
    device = kwargs.pop("device", "cpu")
    if device == "cpu":  # one thread: a tiny model's decode steps are latency-bound, and threads fight other work
        kwargs.setdefault("threads", 1)
    return LoHoVLAPolicy(load_model(path, device), device=device, **kwargs)
