"""Plain torch block-causal attention: the ground truth for the Triton kernel and the path training uses."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .masks import block_causal_mask


def check_shapes(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, q_block: torch.Tensor, k_block: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate (B, H, L, D) inputs and return ids as (B, L), so every backend fails the same, readable way."""
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError("q, k, v must be (B, H, L, D)")
    b, hq, lq, d = q.shape
    if k.shape != v.shape or k.shape[0] != b or k.shape[3] != d:
        raise ValueError(f"incompatible shapes q={tuple(q.shape)} k={tuple(k.shape)} v={tuple(v.shape)}")
    if hq % k.shape[1]:
        raise ValueError(f"query heads ({hq}) must be a multiple of key/value heads ({k.shape[1]})")
    q_block = q_block if q_block.ndim == 2 else q_block[None]
    k_block = k_block if k_block.ndim == 2 else k_block[None]
    q_block, k_block = q_block.expand(b, -1), k_block.expand(b, -1)
    if q_block.shape[1] != lq or k_block.shape[1] != k.shape[2]:
        raise ValueError(f"block ids ({q_block.shape[1]}, {k_block.shape[1]}) do not match Lq={lq}, Lk={k.shape[2]}")
    return q_block, k_block


def block_causal_attention_reference(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    q_block: torch.Tensor,
    k_block: torch.Tensor,
    scale: float | None = None,
    dropout_p: float = 0.0,
) -> torch.Tensor:
    """Block-causal attention with SDPA and a bool mask; returns (B, Hq, Lq, D).

    q is (B, Hq, Lq, D), k/v are (B, Hkv, Lk, D) with Hq a multiple of Hkv (query head h reads kv head
    h // (Hq / Hkv), as transformers' ``repeat_kv`` does). Rows with no visible key (padding queries) return zeros:
    they attend to every key internally, which keeps the softmax and its gradient finite, and are then zeroed,
    so autograd never sees a NaN.
    """
    q_block, k_block = check_shapes(q, k, v, q_block, k_block)
    groups = q.shape[1] // k.shape[1]
    if groups > 1:
        k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    mask = block_causal_mask(q_block.to(q.device), k_block.to(q.device))
    has_key = mask.any(dim=-1, keepdim=True)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask | ~has_key, dropout_p=dropout_p, scale=scale)
    return out * has_key.to(out.dtype)
