"""LoHoVLAModel: conv vision encoder + causal-LM backbone + sub-task text head + score maps + flow action head.

pi(action | obs, goal, subtask) * pi(subtask | obs, goal) in one network: the LM reads [image][goal][BOS] and
writes the sub-task; a readout token after the sub-task summarises what to do for the action path. With
`text.refer_colors`, wherever the LM writes a colour word it also points at the object the word names (the refer
map: pick or place position of the step), so decoding can read that colour off the scene (color_reading.py). With
`text.use_subtask=False` it is the vanilla-VLA baseline: [image][goal][BOS][readout], no sub-task. With
`grounding.colors` it also carries a per-pixel colour detector (color_presence.py, fitted after training) that the
grounding checks and the colour reading read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from lohovla.policies.lohovla.action_head import FlowHead, ScoreMap, flow_loss, map_loss
from lohovla.policies.lohovla.backbone import Backbone
from lohovla.policies.lohovla.color_presence import ColorPresence
from lohovla.policies.lohovla.config import ModelConfig
from lohovla.policies.lohovla.sequence import Layout, build_layout
from lohovla.policies.lohovla.subtask import place_cut
from lohovla.policies.lohovla.tokenizer import TextCodec
from lohovla.policies.lohovla.vision import ConvEncoder, PixelColor, PretrainedTokens, image_tensor, token_grid


@dataclass
class Batch:
    """What one training step sees (half-res images; token ids already encoded)."""

    color: torch.Tensor  # (B, 160, 80, 3) uint8
    height: torch.Tensor  # (B, 160, 80) float32 metres
    goals: list[list[int]]
    subtasks: list[list[int] | None]  # None: no sub-task text (vanilla)
    action: torch.Tensor  # (B, 8) model space
    has_action: torch.Tensor  # (B,) bool
    text_weight: torch.Tensor  # (B,) float: 0 drops the sample's text loss (e.g. stage 2 without text)
    text_bias: torch.Tensor | None = None  # (B, vocab) added to the text logits in training (balanced softmax)


class LoHoVLAModel(nn.Module):
    def __init__(self, cfg: ModelConfig, codec: TextCodec, hf_config_dict: dict | None = None) -> None:
        super().__init__()
        self.cfg, self.codec = cfg, codec
        self.encoder = ConvEncoder(cfg.vision)
        self.backbone = Backbone(cfg.backbone, codec.vocab_size, hf_config_dict)
        hidden = self.backbone.hidden_size
        self.pretrained = PretrainedTokens(cfg.vision.path) if cfg.vision.kind == "pretrained" else None
        token_dim = self.pretrained.token_dim if self.pretrained is not None else self.encoder.token_dim
        n_color = cfg.vision.color_features if self.pretrained is None else 0
        self.pixel_color = PixelColor(n_color, cfg.vision.token_stride) if n_color else None
        token_dim += n_color
        rows, cols = token_grid(cfg.vision)
        self.n_image = rows * cols if self.pretrained is None else None
        self.img_proj = nn.Sequential(
            nn.LayerNorm(token_dim), nn.Linear(token_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden)
        )
        self.img_pos = nn.Parameter(torch.zeros(1, rows * cols, hidden)) if self.pretrained is None else None
        self.readout = nn.Parameter(torch.randn(hidden) * 0.02)
        self.pick_map = ScoreMap(cfg.vision.dense_channels, hidden)
        self.place_map = ScoreMap(cfg.vision.dense_channels, hidden)
        self.flow = FlowHead(cfg.action, hidden, cfg.vision.dense_channels)
        self.refer_map = ScoreMap(cfg.vision.dense_channels, hidden) if cfg.text.refer_colors else None
        g = cfg.grounding
        self.presence = ColorPresence(g.colors, g.channels, g.erode) if g.colors else None

    # --- shared pieces -------------------------------------------------------------------------
    def encode_image(self, color: torch.Tensor, height: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(input image (B,6,H,W), dense map (B,C,H/4,W/4), image token embeddings (B,N,hidden))."""
        img, dense, emb = self.encode_image_lazy(color, height)
        return img, dense(), emb

    def encode_image_lazy(
        self, color: torch.Tensor, height: torch.Tensor
    ) -> tuple[torch.Tensor, Callable[[], torch.Tensor], torch.Tensor]:
        """`encode_image` with the dense map left as a function that makes it (the same tensor, when called).

        The prompt needs only the image tokens; the dense map is read by the action path alone, after the sub-task
        is decoded, so a planning step (and a prefill whose map nobody reads) need not wait for it.
        """
        img = image_tensor(color, height)
        if self.pretrained is not None:
            return img, lambda: self.encoder(img)[0], self.img_proj(self.pretrained(img))
        f4, f8, tok = self.encoder.features(img)
        tok = (tok - tok.mean(1, keepdim=True)) / (tok.std(1, keepdim=True) + 1e-5)  # what differs from the scene
        if self.pixel_color is not None:
            tok = torch.cat([tok, self.pixel_color(img)], -1)  # the colour itself, whatever the scene
        return img, lambda: self.encoder.dense(f4, f8), self.img_proj(tok) + self.img_pos

    def color_token_ids(self) -> list[int]:
        """The token of each colour word the detector knows (checked once: each must be one token)."""
        if getattr(self, "_color_ids", None) is None:
            self._color_ids = self._single_tokens(self.presence.colors, "colour words")
        return self._color_ids

    def refer_ids(self) -> list[int]:
        """The token of each colour word the refer map points for (`text.refer_colors`), in that order."""
        return self._single_tokens(self.cfg.text.refer_colors, "refer colour words")

    def _single_tokens(self, words: tuple[str, ...], what: str) -> list[int]:
        ids = [self.codec.encode(w) for w in words]
        bad = [w for w, t in zip(words, ids) if len(t) != 1]
        if bad:
            raise ValueError(f"{what} {bad} are not single tokens of this model's vocabulary")
        return [t[0] for t in ids]

    def word_id(self, word: str) -> int:
        """The token of a template word the grounding checks parse sub-tasks with ("place", "block", "bowl")."""
        known = self.__dict__.setdefault("_word_ids", {})
        if word in known:
            return known[word]
        ids = self.codec.encode(word)
        if len(ids) != 1:
            raise ValueError(
                f"{word!r} is not a single token of this model's vocabulary: "
                "turn the grounding checks off (load_policy(..., grounding=False))"
            )
        known[word] = ids[0]
        return ids[0]

    def text_embeds(self, ids: torch.Tensor, readout: torch.Tensor | None = None) -> torch.Tensor:
        """Token embeddings; position `readout` (B,) of the text (if given) gets the learned readout vector."""
        emb = self.backbone.embed(ids)
        if readout is not None:
            slot = torch.zeros(ids.shape, dtype=torch.bool, device=ids.device)
            slot[torch.arange(ids.shape[0]), readout] = True
            emb = torch.where(slot[..., None], self.readout.to(emb.dtype), emb)
        return emb

    def action_maps(self, dense: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.pick_map(dense, h), self.place_map(dense, h)

    # --- training ------------------------------------------------------------------------------
    def forward(self, batch: Batch, gen: torch.Generator) -> dict[str, torch.Tensor]:
        """Training losses (forward is what DistributedDataParallel wraps)."""
        return self.training_losses(batch, gen)

    def training_losses(self, batch: Batch, gen: torch.Generator) -> dict[str, torch.Tensor]:
        """Per-objective mean losses of one batch (every parameter takes part, as DDP needs)."""
        cfg = self.cfg
        dev = self.readout.device
        img, dense, img_emb = self.encode_image(batch.color.to(dev), batch.height.to(dev))
        n_img, b = img_emb.shape[1], img_emb.shape[0]
        sizes = torch.tensor(cfg.text.block_sizes)
        probs = torch.tensor(cfg.text.block_probs, dtype=torch.float)
        drawn = sizes[torch.multinomial(probs, b, replacement=True, generator=gen)].tolist()
        drawn = [1 if has_a else s for s, has_a in zip(drawn, self._force_ar(batch, gen))]
        c = self.codec
        lay = build_layout(
            batch.goals,
            batch.subtasks,
            drawn,
            n_img,
            c.bos_id,
            c.eos_id,
            c.mask_id,
            c.pad_id,
            cfg.text.first_ratio,
            gen,
            cfg.text.pad_blocks,
        )
        dev = img_emb.device
        text = self.text_embeds(lay.ids.to(dev), (lay.readout - n_img).to(dev))
        hidden = self.backbone(torch.cat([img_emb, text], 1), lay.positions.to(dev), lay.block_ids.to(dev))
        # text: CE on the gathered positions, weighted per token, mean over samples that have text
        w_text = batch.text_weight.to(dev)[lay.rows.to(dev)] * lay.weights.to(dev)
        logits = self.backbone.logits(hidden[lay.rows.to(dev), lay.cols.to(dev)])
        if batch.text_bias is not None:
            logits = logits + batch.text_bias.to(dev)[lay.rows.to(dev)]
        ce = nn.functional.cross_entropy(logits.float(), lay.targets.to(dev), reduction="none")
        n_text = max(1.0, float((lay.has_text & (batch.text_weight > 0)).sum()))
        text_loss = (w_text * ce).sum() / n_text + 0.0 * logits.sum()
        # action: score maps + flow on samples with an action and a clean sub-task
        h = hidden[torch.arange(b, device=dev), lay.readout.to(dev)]
        act = (batch.has_action & lay.clean).to(dev).float()
        n_act = max(1.0, float(act.sum()))
        pick_logits, place_logits = self.action_maps(dense, h)
        target = batch.action.to(dev)
        sig = cfg.action.map_sigma
        map_l = map_loss(pick_logits, target[:, 0:2], sig) + map_loss(place_logits, target[:, 4:6], sig)
        k = cfg.action.flow_samples
        flow_l = (
            flow_loss(
                self.flow,
                target.repeat(k, 1),
                img.repeat(k, 1, 1, 1),
                dense.repeat(k, 1, 1, 1),
                h.repeat(k, 1),
                cfg.action.start_sigma,
                gen,
            )
            .reshape(k, b)
            .mean(0)
        )
        return {
            "text": text_loss,
            "map": (map_l * act).sum() / n_act,
            "flow": (flow_l * act).sum() / n_act,
            "refer": self._refer_loss(batch, lay, hidden, dense),
            "n_action": torch.tensor(float(act.sum())),
        }

    def _refer_loss(self, batch: Batch, lay: Layout, hidden: torch.Tensor, dense: torch.Tensor) -> torch.Tensor:
        """Refer-map cross-entropy at every position that predicts a colour word of a step with an action."""
        if self.refer_map is None:
            return torch.zeros((), device=hidden.device)
        anchor = sum(p.sum() for p in self.refer_map.parameters()) * 0.0  # every parameter takes part (DDP)
        rows, cols, xy = refer_targets(batch, lay, self.word_id("place"), self.refer_ids())
        if not len(rows):
            return anchor
        dev = hidden.device
        logits = self.refer_map(dense[rows.to(dev)], hidden[rows.to(dev), cols.to(dev)])
        return map_loss(logits, xy.to(dev), self.cfg.action.map_sigma).mean() + anchor

    @staticmethod
    def _force_ar(batch: Batch, gen: torch.Generator) -> list[bool]:
        """Samples with an action are fed their sub-task clean half of the time (AR), else D2F-masked.

        The action loss needs a clean sub-task; the other half of them still trains D2F text.
        """
        coin = torch.rand(len(batch.goals), generator=gen) < 0.5
        return [bool(a and c) for a, c in zip(batch.has_action.tolist(), coin.tolist())]


def refer_targets(
    batch: Batch, lay: Layout, place_id: int, color_ids: list[int]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(sample, position, xy) of every text target that is a colour word of a step with an action and a text loss
    (AR's shifted and D2F's in-place predictions alike). The colour before "place" names the picked object, the one
    after it the place (the sub-task template, subtask.py): xy is the step's pick or place position."""
    cut = torch.tensor([place_cut(s or (), place_id) for s in batch.subtasks])
    rows = lay.rows
    keep = torch.isin(lay.targets, torch.tensor(color_ids)) & batch.has_action.cpu()[rows]
    keep &= batch.text_weight.cpu()[rows] > 0
    rows, cols, after = rows[keep], lay.cols[keep], lay.sub_pos[keep] > cut[rows[keep]]
    action = batch.action.cpu()[rows]
    return rows, cols, torch.where(after[:, None], action[:, 4:6], action[:, 0:2])
