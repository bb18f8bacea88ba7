"""Backend choice for block-causal attention, and its hook into transformers' attention registry.

The model code calls one function; it runs the Triton kernel where that is possible and useful (CUDA, no autograd,
no dropout) and the torch reference everywhere else, so training and CPU tests need nothing but torch.
transformers is imported lazily: ``lohovla.kernels`` itself depends on torch (and optionally triton) only.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

import torch

from . import triton_attention
from .reference import block_causal_attention_reference

Backend = Literal["auto", "torch", "triton"]
DEFAULT_NAME = "lohovla_block_causal"


def select_backend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, dropout_p: float = 0.0) -> str:
    """'triton' when the fused kernel can run and nothing needs it to do more than a forward pass, else 'torch'."""
    needs_grad = torch.is_grad_enabled() and (q.requires_grad or k.requires_grad or v.requires_grad)
    usable = q.is_cuda and triton_attention.available() and q.shape[-1] <= 256
    return "triton" if usable and not needs_grad and dropout_p == 0.0 else "torch"


def block_causal_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    q_block: torch.Tensor,
    k_block: torch.Tensor,
    scale: float | None = None,
    backend: Backend = "auto",
    dropout_p: float = 0.0,
) -> torch.Tensor:
    """Block-causal attention (B, Hq, Lq, D) on the chosen backend; see ``block_causal_attention_reference``.

    An explicit ``backend="triton"`` that cannot be honoured raises instead of silently falling back, so a
    benchmark or test never measures the wrong thing.
    """
    if backend == "auto":
        backend = select_backend(q, k, v, dropout_p)
    if backend == "torch":
        return block_causal_attention_reference(q, k, v, q_block, k_block, scale=scale, dropout_p=dropout_p)
    if backend != "triton":
        raise ValueError(f"unknown backend {backend!r}; use 'auto', 'torch' or 'triton'")
    if not triton_attention.can_run(q):
        raise RuntimeError("the Triton kernel needs triton and a CUDA tensor (or TRITON_INTERPRET=1)")
    if dropout_p:
        raise RuntimeError("the Triton kernel has no dropout; use backend='torch' for training")
    if torch.is_grad_enabled() and (q.requires_grad or k.requires_grad or v.requires_grad):
        raise RuntimeError("the Triton kernel is forward only; use backend='torch' when gradients are needed")
    return triton_attention.block_causal_attention_triton(q, k, v, q_block, k_block, scale=scale)


def _resolve_ids(
    q_ids: torch.Tensor | None, k_ids: torch.Tensor | None, lq: int, lk: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fill in the missing side: without a cache keys == queries; with one the queries are the last Lq keys."""
    if k_ids is None:
        if lq != lk:
            raise ValueError(f"k_block_ids is required when keys include a cache (Lq={lq}, Lk={lk})")
        k_ids = q_ids
    k_ids = k_ids if k_ids.ndim == 2 else k_ids[None]
    if q_ids is None:
        q_ids = k_ids[:, lk - lq :]
    return q_ids, k_ids


def transformers_attention_forward(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float | None = None,
    dropout: float = 0.0,
    q_block_ids: torch.Tensor | None = None,
    k_block_ids: torch.Tensor | None = None,
    backend: Backend = "auto",
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers attention function: (B, H, L, D) in, ((B, Lq, Hq, D), None) out.

    With ``q_block_ids`` / ``k_block_ids`` (forwarded by ``model(..., q_block_ids=..., k_block_ids=...)``) the block
    ids define the mask and ``attention_mask`` is ignored (padding is id -1). Without them it is exactly
    transformers' SDPA path, so the same model still runs ordinary causal forwards and ``generate``.
    """
    if q_block_ids is None and k_block_ids is None:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    q_ids, k_ids = _resolve_ids(q_block_ids, k_block_ids, query.shape[2], key.shape[2])
    q_ids, k_ids = q_ids.to(query.device), k_ids.to(query.device)
    out = block_causal_attention(query, key, value, q_ids, k_ids, scale=scaling, backend=backend, dropout_p=dropout)
    return out.transpose(1, 2).contiguous(), None


def register_attention(name: str = DEFAULT_NAME, backend: Backend = "auto") -> str:
    """Register the block-causal attention under ``name`` with transformers and return the name.

    Use it as ``model.set_attn_implementation(name)``, ``config._attn_implementation = name`` (before building the
    model) or ``Model._from_config(config, attn_implementation=name)``. transformers' SDPA mask builder is
    registered under the same name, so calls without block ids still get their padding/causal mask.
    """
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(name, functools.partial(transformers_attention_forward, backend=backend))
    AttentionMaskInterface.register(name, sdpa_mask)
    return name
