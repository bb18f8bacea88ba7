"""KV cache with block ids: what every decoder (AR, D2F, LoPA, the re-decodings of the grounding layer) runs on.

It runs [cache | new tokens] under the block-causal rule of `lohovla.kernels` and either commits the new tokens'
keys/values (a completed block) or crops them away again (an active block that is still being unmasked).
"""

from __future__ import annotations

import torch

from lohovla.kernels.masks import block_ids_for_decoding
from lohovla.policies.lohovla.backbone import Backbone


class BlockCache:
    """A transformers DynamicCache plus the block id of every cached position (batch 1 or B)."""

    def __init__(self, backbone: Backbone, batch: int = 1, device: torch.device | str = "cpu") -> None:
        from transformers import DynamicCache

        self.backbone = backbone
        self.head = backbone  # what decoders ask for text logits: the backbone, or a ColorReader for this prompt
        self.cache = DynamicCache(config=backbone.lm.config)
        self.block_ids = torch.zeros(batch, 0, dtype=torch.long, device=device)
        self.length = 0

    def run(
        self,
        embeds: torch.Tensor,
        block_ids: torch.Tensor,
        commit: bool = True,
        positions: torch.Tensor | None = None,
        keep: int | None = None,
        read_from: int = 0,
    ) -> torch.Tensor:
        """Hidden states (B, L, H) of `embeds` at the next L positions; they see the cache and each other by id.

        `positions` (B, L) overrides the default (the next L cache slots) when rows of a batch sit at different
        positions (prompts of different lengths, padding slots with id -1). `keep` commits only the first `keep`
        new tokens (a D2F step: completed blocks first, then active blocks whose KV must not stay). `read_from`:
        return only the states of `embeds`' columns from there on (the backbone may skip work on the others).
        """
        length = embeds.shape[1]
        block_ids = block_ids.to(self.block_ids.device)
        if block_ids.ndim == 1:
            block_ids = block_ids[None].expand(embeds.shape[0], -1)
        q_ids, k_ids = block_ids_for_decoding(self.block_ids, block_ids)
        if positions is None:
            positions = torch.arange(self.length, self.length + length, device=embeds.device)
            positions = positions[None].expand(embeds.shape[0], -1)
        hidden = self.backbone(embeds, positions, q_ids, k_ids, cache=self.cache, read_from=read_from)
        kept = (length if commit else 0) if keep is None else keep
        if kept < length:
            self.cache.crop(kept - length)  # transformers 5: a negative count drops that many trailing tokens
        self.block_ids, self.length = k_ids[:, : self.length + kept], self.length + kept
        return hidden

    def crop(self, length: int) -> None:
        """Drop every cached position from `length` on (the KV and the block ids)."""
        if self.length > length:
            self.cache.crop(length - self.length)
            self.block_ids, self.length = self.block_ids[:, :length], length
