"""A backbone pass whose last layer works only on the trailing rows that are read: the prompt prefill's.

The prefill's cache needs every layer's keys and values at every position, but nothing reads the last layer's
output except at each prompt's last position (its first token) and at the drafted [MASK]s, which all come last.
The last layer's queries, attention, MLP and final norm at the image tokens and the goal were work nobody used.
Here the layers before the last run as usual; the last one computes keys and values everywhere (the cache) and
everything else from row `start` on.

`suffix_start` picks `start` so that the rows kept get bit for bit the states of the full pass on CPU: a matrix
product over fewer than 4 rows takes another kernel whose sums round differently, and torch's attention works
through queries in blocks of 32 (below 192 queries), so the suffix holds at least 4 rows and its query blocks are
small exactly where the full pass's are. The layer is taken apart by its parts, so only layer types known to be
exactly [norm -> attention -> residual -> norm -> MLP -> residual] take the shortcut; any other runs whole.
"""

from __future__ import annotations

import importlib
from typing import Any

import torch

from lohovla.kernels.dispatch import transformers_attention_forward

#: Decoder layers whose forward is pre-norm attention + pre-norm MLP with rotary positions, nothing else.
KNOWN_LAYERS = ("LlamaDecoderLayer", "Qwen2DecoderLayer")
QUERY_BLOCK = 32  # torch's CPU flash attention: queries per block when there are fewer than 192
MAX_QUERIES = 192
MIN_ROWS = 4  # fewer rows take MKL's small-product kernel


def supported(lm: Any) -> bool:
    """Whether `lm`'s layers are of a known shape (else the pass runs whole and the rows are cut afterwards)."""
    model = getattr(lm, "model", None)
    layers = getattr(model, "layers", None)
    return bool(layers) and type(layers[-1]).__name__ in KNOWN_LAYERS and hasattr(model, "rotary_emb")


def suffix_start(first: int, length: int) -> int:
    """Where the last layer's work starts when row `first` of `length` is the first one read (0: the whole pass).

    The full pass's last query block holds `length % 32` rows; if that is below MIN_ROWS they are summed by the
    small kernel, so the suffix must end in a block of that size too; otherwise none of its blocks may be so small.
    """
    if length >= MAX_QUERIES:
        return 0
    n, tail = max(length - first, MIN_ROWS), length % QUERY_BLOCK
    small = 0 < tail < MIN_ROWS
    while (n % QUERY_BLOCK != tail) if small else (0 < n % QUERY_BLOCK < MIN_ROWS):
        n += 1
    return max(0, length - n)


def run_from(
    lm: Any,
    embeds: torch.Tensor,
    positions: torch.Tensor,
    q_ids: torch.Tensor,
    k_ids: torch.Tensor,
    cache: Any,
    start: int,
    cache_kw: str,
) -> torch.Tensor:
    """Final hidden states (B, L - start, H) of rows `start`.. of a pass over `embeds` (B, L, H) that fills `cache`
    exactly as the full pass does."""
    model = lm.model
    pos_emb = model.rotary_emb(embeds, positions)
    kwargs = {cache_kw: cache, "use_cache": True, "q_block_ids": q_ids, "k_block_ids": k_ids}
    hidden = embeds
    for layer in model.layers[:-1]:
        out = layer(hidden, attention_mask=None, position_ids=positions, position_embeddings=pos_emb, **kwargs)
        hidden = out[0] if isinstance(out, tuple) else out
    return model.norm(_last_layer(model.layers[-1], hidden, pos_emb, q_ids, k_ids, cache, start))


def _last_layer(
    layer: Any,
    hidden: torch.Tensor,
    pos_emb: tuple[torch.Tensor, torch.Tensor],
    q_ids: torch.Tensor,
    k_ids: torch.Tensor,
    cache: Any,
    start: int,
) -> torch.Tensor:
    """The decoder layer's forward with queries, attention output and MLP from row `start` on."""
    attn = layer.self_attn
    rotary = importlib.import_module(type(layer).__module__).apply_rotary_pos_emb
    normed = layer.input_layernorm(hidden)
    b, length = normed.shape[:2]
    cos, sin = pos_emb
    keys = attn.k_proj(normed).view(b, length, -1, attn.head_dim).transpose(1, 2)
    values = attn.v_proj(normed).view(b, length, -1, attn.head_dim).transpose(1, 2)
    keys = rotary(keys, keys, cos, sin)[1]
    keys, values = cache.update(keys, values, attn.layer_idx)
    n = length - start
    queries = attn.q_proj(normed[:, start:].contiguous()).view(b, n, -1, attn.head_dim).transpose(1, 2)
    queries = rotary(queries, queries, cos[:, start:], sin[:, start:])[0]
    out, _ = transformers_attention_forward(
        attn, queries, keys, values, None, scaling=attn.scaling, q_block_ids=q_ids[:, start:], k_block_ids=k_ids
    )
    residual = hidden[:, start:] + attn.o_proj(out.reshape(b, n, -1).contiguous())
    return residual + layer.mlp(layer.post_attention_layernorm(residual))
