"""LoHoVLAPolicy: the `Policy` protocol around a LoHoVLAModel, with Algorithm 1 deciding when to plan.

Per decision: encode the image, prefill [image][goal][BOS] into a KV cache, decode a sub-task (only when the
re-planning rule says so; otherwise reuse the cached one), read the readout state after the sub-task, take the
score maps' modes and refine them with the flow head. Step.replanned is True exactly on planning steps, so the
evaluation's planning accuracy counts only those.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from lohovla.closed_loop import ReplanRule
from lohovla.policies.base import Action, Feedback, Step
from lohovla.policies.lohovla.action_codec import decode_action
from lohovla.policies.lohovla.action_head import flow_sample, map_mode
from lohovla.policies.lohovla.ar_decoder import BlockCache, greedy_decode
from lohovla.policies.lohovla.d2f_decoder import DecodeResult
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.planner import Prompt, d2f_plan, prefill
from lohovla.policies.lohovla.vision import downsample

DECODERS = ("ar", "d2f")


class LoHoVLAPolicy:
    def __init__(
        self,
        model: LoHoVLAModel,
        decoder: str | None = None,
        replan: str = "threshold",
        k: int = 2,
        flow_steps: int | None = None,
        seed: int = 0,
        threads: int | None = None,
        device: str = "cpu",
        name: str | None = None,
        decode: dict[str, Any] | None = None,
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
        self.name = name or model.cfg.name
        self.goal, self.goal_ids, self.subtask, self.subtask_ids = "", [], "", []
        self.gen = torch.Generator().manual_seed(seed)

    @property
    def hierarchical(self) -> bool:
        return self.model.cfg.text.use_subtask

    def reset(self, goal: str) -> None:
        self.goal, self.goal_ids = goal, self.model.codec.encode(goal)[: self.model.cfg.text.max_goal_tokens]
        self.subtask, self.subtask_ids = "", []
        self.rule.reset()
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
        )

    # --- the two halves of a decision ------------------------------------------------------------
    def _prefill(self, obs: dict[str, Any], plan: bool = False) -> Prompt:
        """[image][goal][BOS] into a fresh cache; on a planning step the colour bias (and D2F's drafts) come along."""
        color, height = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
        batch = (torch.from_numpy(x)[None].to(self.device) for x in (color, height))
        return prefill(self.model, *batch, [self.goal_ids], self.decode_cfg if plan else None)

    def _plan(self, prompt: Prompt) -> list[int]:
        m = self.model
        if self.decoder == "d2f":
            self.last_decode = d2f_plan(m, prompt.cache, prompt.last, self.decode_cfg, prompt.drafts, prompt.bias)
            return self.last_decode.tokens
        n = m.cfg.text.max_subtask_tokens
        return greedy_decode(m.backbone, prompt.cache, prompt.last, m.codec.eos_id, n, prompt.bias)

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

    def _action(self, img: torch.Tensor, dense: torch.Tensor, h: torch.Tensor, height: np.ndarray) -> Action:
        m = self.model
        pick_logits, place_logits = m.action_maps(dense, h)
        start = torch.stack([map_mode(pick_logits), map_mode(place_logits)], 1)
        v = flow_sample(m.flow, start, img, dense, h, self.flow_steps, m.cfg.action.start_sigma, self.gen)
        return decode_action(v[0].cpu().numpy(), np.asarray(height))

    # --- Policy protocol ---------------------------------------------------------------------------
    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        plan = self.hierarchical and self.rule.should_plan(feedback.step, feedback.reward)
        with torch.inference_mode():
            t0 = time.perf_counter()
            prompt = self._prefill(obs, plan)
            t1 = time.perf_counter()
            prompt_len = prompt.cache.length
            if plan:
                self.subtask_ids = self._plan(prompt)
                self.subtask = self.model.codec.decode(self.subtask_ids)
            fed = prompt.cache.length - prompt_len  # decoded tokens already in the cache
            t2 = time.perf_counter()
            h = self._readout(prompt.cache, self.subtask_ids, fed)
            action = self._action(prompt.img, prompt.dense, h, obs["height"])
            t3 = time.perf_counter()
        prefill = (t1 - t0) * 1000
        timings = {
            "plan_ms": prefill + (t2 - t1) * 1000 if plan else 0.0,
            "action_ms": (t3 - t2) * 1000 + (0.0 if plan else prefill),
            "prefill_ms": prefill,
        }
        subtask = self.subtask if self.hierarchical else ""
        return Step(subtask=subtask, action=action, timings=timings, replanned=plan)

    def plan(self, obs: dict[str, Any]) -> str:
        """Decode a sub-task for `obs` under the current goal (no state change)."""
        with torch.inference_mode():
            return self.model.codec.decode(self._plan(self._prefill(obs, plan=True)))
