"""Attention ops for training and decoding: block-causal masks, a torch reference and a Triton kernel."""

from .dispatch import (
    DEFAULT_NAME,
    block_causal_attention,
    register_attention,
    select_backend,
    transformers_attention_forward,
)
from .masks import (
    PAD_BLOCK,
    PROMPT_BLOCK,
    additive_mask,
    block_causal_mask,
    block_ids_for_decoding,
    block_ids_for_training,
)
from .reference import block_causal_attention_reference
from .triton_attention import available as triton_available
from .triton_attention import block_causal_attention_triton

__all__ = [
    "DEFAULT_NAME",
    "PAD_BLOCK",
    "PROMPT_BLOCK",
    "additive_mask",
    "block_causal_attention",
    "block_causal_attention_reference",
    "block_causal_attention_triton",
    "block_causal_mask",
    "block_ids_for_decoding",
    "block_ids_for_training",
    "register_attention",
    "select_backend",
    "transformers_attention_forward",
    "triton_available",
]
