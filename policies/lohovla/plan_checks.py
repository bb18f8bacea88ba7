"""The sub-task half of the grounding layer: the model's proposal, then the checks on it, each re-decoding with AR.

`propose` is the model's own sub-task (greedy AR, or D2F). `checked` then applies, in order: `avoid_failed`
(novel_plan.py: not what just failed or was spent) and `object_check` (object_check.py: the named objects are
seen). Each one that rewrites the tokens is noted by name.
"""

from __future__ import annotations

from collections.abc import Collection

from lohovla.policies.lohovla.ar_decoder import greedy_decode
from lohovla.policies.lohovla.d2f_decoder import DecodeResult
from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.grounding_config import GroundingConfig
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.novel_plan import novel_decode
from lohovla.policies.lohovla.object_check import SceneObjects, check_objects
from lohovla.policies.lohovla.planner import Prompt, d2f_plan
from lohovla.policies.lohovla.scene_reading import SceneReading
from lohovla.policies.lohovla.subtask import Words


class PlanChecks:
    def __init__(self, model: LoHoVLAModel, g: GroundingConfig, decode: DecodeConfig) -> None:
        self.model, self.g, self.decode = model, g, decode
        self._words: Words | None = None

    @property
    def words(self) -> Words:
        """The template's token ids (read once, when a check first needs them: the detector's colours)."""
        if self._words is None:
            self._words = Words.of(self.model)
        return self._words

    def propose(self, prompt: Prompt) -> tuple[list[int], DecodeResult | None]:
        """The model's sub-task (the cache holds the prompt alone on entry, [prompt | fed tokens] on exit)."""
        m, n = self.model, self.model.cfg.text.max_subtask_tokens
        if self.decode.decoder == "d2f":
            res = d2f_plan(m, prompt.cache, prompt.last, self.decode, prompt.drafts)
            return res.tokens, res
        return greedy_decode(prompt.cache.head, prompt.cache, prompt.last, m.codec.eos_id, n), None

    def checked(
        self,
        prompt: Prompt,
        scene: SceneReading | None,
        start: int,
        tokens: list[int],
        avoid: Collection[tuple[int, ...]],
        noted: list[str],
        avoid_name: str | None = "avoid_failed",
    ) -> list[int]:
        """`tokens`, or what replaces them: not a sub-task to `avoid`, naming objects the scene shows. The cache
        holds [prompt | some of `tokens`] on entry, [prompt | the result] on exit (`start`: the prompt's length)."""
        m, n = self.model, self.model.cfg.text.max_subtask_tokens
        avoid = set(avoid)
        if avoid:  # swap colour words only when the model knows them: another object, not a broken sentence
            colours = frozenset(m.color_token_ids()) if m.presence is not None else None
            out = novel_decode(prompt.cache, start, prompt.last, tokens, avoid, m.codec.eos_id, n, swappable=colours)
            if out != list(tokens) and avoid_name:
                noted.append(avoid_name)
            tokens = out
        if self.g.object_check and scene is not None and self.g.object_prob > 0:
            args = (prompt.cache, start, prompt.last, tokens, self.scene_objects(scene), m.codec.eos_id, n)
            out, kind_changed = check_objects(*args, avoid=avoid, kinds=self.g.object_kind)
            if out != list(tokens):
                noted.append("object_kind" if kind_changed else "object_check")
            tokens = out
        return tokens

    def scene_objects(self, scene: SceneReading) -> SceneObjects:
        """The colours (token ids) the detector sees standing and lying flat in this scene (object_check.py)."""
        ids = self.words.colors
        standing, flat = scene.objects()
        kinds = [frozenset(t for t, ok in zip(ids, row[0].tolist()) if ok) for row in (standing, flat)]
        return SceneObjects(kinds[0], kinds[1], self.words)
