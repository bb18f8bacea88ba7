"""KV cache with block ids, and greedy autoregressive sub-task decoding (block size 1).

`BlockCache` is the piece a D2F decoder reuses: it runs [cache | new tokens] under the block-causal rule of
`lohovla.kernels` and either commits the new tokens' keys/values (a completed block) or crops them away again (an
active block that is still being unmasked).
"""

from __future__ import annotations

import torch

from lohovla.kernels.masks import block_ids_for_decoding
from lohovla.policies.lohovla.backbone import Backbone, head_logits


class BlockCache:
    """A transformers DynamicCache plus the block id of every cached position (batch 1 or B)."""

    def __init__(self, backbone: Backbone, batch: int = 1, device: torch.device | str = "cpu") -> None:
        from transformers import DynamicCache

        self.backbone = backbone
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
    ) -> torch.Tensor:
        """Hidden states (B, L, H) of `embeds` at the next L positions; they see the cache and each other by id.

        `positions` (B, L) overrides the default (the next L cache slots) when rows of a batch sit at different
        positions (prompts of different lengths, padding slots with id -1). `keep` commits only the first `keep`
        new tokens (a D2F step: completed blocks first, then active blocks whose KV must not stay).
        """
        length = embeds.shape[1]
        block_ids = block_ids.to(self.block_ids.device)
        if block_ids.ndim == 1:
            block_ids = block_ids[None].expand(embeds.shape[0], -1)
        q_ids, k_ids = block_ids_for_decoding(self.block_ids, block_ids)
        if positions is None:
            positions = torch.arange(self.length, self.length + length, device=embeds.device)
            positions = positions[None].expand(embeds.shape[0], -1)
        hidden = self.backbone(embeds, positions, q_ids, k_ids, cache=self.cache)
        kept = (length if commit else 0) if keep is None else keep
        if kept < length:
            self.cache.crop(kept - length)  # transformers 5: a negative count drops that many trailing tokens
        self.block_ids, self.length = k_ids[:, : self.length + kept], self.length + kept
        return hidden


def greedy_decode(
    backbone: Backbone,
    cache: BlockCache,
    last_hidden: torch.Tensor,
    eos_id: int,
    max_tokens: int,
    bias: torch.Tensor | None = None,
    start: int = 0,
) -> list[int]:
    """Greedy AR decoding after a prefilled prompt (batch 1): token k (1-based) is committed as block k.

    `last_hidden` (1, H) is the prompt's last hidden state (it predicts the first sub-task token). Returns the
    tokens without EOS; the cache then holds the prompt and those tokens (EOS not yet fed). `bias` (1, vocab) is
    added to every step's logits (colour words ruled out: color_presence.py). `start` sub-task tokens are already
    in the cache (decoding resumes after them; `last_hidden` is then the state after them).
    """
    out: list[int] = []
    hidden = last_hidden
    for k in range(start + 1, start + max_tokens + 1):
        token = int(head_logits(backbone, hidden, bias).argmax(-1)[0])
        if token == eos_id:
            break
        out.append(token)
        if k == start + max_tokens:
            break
        emb = backbone.embed(torch.tensor([[token]], device=hidden.device))
        hidden = cache.run(emb, torch.tensor([k]))[:, -1]
    return out
