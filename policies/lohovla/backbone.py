"""The language backbone: a transformers causal LM whose attention is the block-causal kernel of `lohovla.kernels`.

Built from a tiny config by default (Llama or Qwen2 family) or loaded from a local pretrained checkpoint. Block ids
travel as keyword arguments (`q_block_ids`, `k_block_ids`) from `model.model(...)` down to the registered
attention function; without them the model is plain SDPA. The checkpoint stores the transformers config itself,
so a model first loaded from a pretrained path is rebuilt later without that path.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import torch
from torch import nn

from lohovla.kernels.dispatch import register_attention
from lohovla.policies.lohovla.config import BackboneConfig
from lohovla.policies.lohovla.last_rows import run_from, suffix_start, supported


@functools.cache
def cache_keyword() -> str:
    """The keyword transformers' decoder models take the KV cache by: `cache` in the versions that deprecate
    `past_key_values` (a FutureWarning on every call), `past_key_values` before (pyproject allows >= 4.45)."""
    from transformers import LlamaModel

    return "cache" if "cache" in inspect.signature(LlamaModel.forward).parameters else "past_key_values"


def hf_config(cfg: BackboneConfig, vocab_size: int) -> Any:
    """The transformers config of a from-scratch backbone."""
    from transformers import LlamaConfig, Qwen2Config

    common = dict(
        vocab_size=vocab_size,
        hidden_size=cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_kv_heads,
        intermediate_size=cfg.intermediate_size,
        max_position_embeddings=cfg.max_positions,
        rope_theta=cfg.rope_theta,
        tie_word_embeddings=False,
        pad_token_id=0,
    )
    if cfg.arch == "llama":
        return LlamaConfig(**common)
    if cfg.arch == "qwen2":
        return Qwen2Config(**common)
    raise ValueError(f"unknown backbone arch {cfg.arch!r}; use llama or qwen2 (or a pretrained path)")


class Backbone(nn.Module):
    """A causal LM used through inputs_embeds; returns hidden states, and logits only where asked."""

    def __init__(self, cfg: BackboneConfig, vocab_size: int, hf_config_dict: dict | None = None) -> None:
        super().__init__()
        from transformers import AutoConfig, AutoModelForCausalLM

        attn = register_attention()
        if hf_config_dict is not None:  # rebuilding a saved checkpoint: architecture from its own config
            conf = AutoConfig.for_model(**hf_config_dict)
            conf._attn_implementation = attn
            self.lm = AutoModelForCausalLM.from_config(conf, attn_implementation=attn)
        elif cfg.path:
            self.lm = AutoModelForCausalLM.from_pretrained(cfg.path, local_files_only=True, attn_implementation=attn)
        else:
            self.lm = AutoModelForCausalLM.from_config(hf_config(cfg, vocab_size), attn_implementation=attn)
        if self.lm.get_input_embeddings().num_embeddings < vocab_size:
            self.lm.resize_token_embeddings(vocab_size)
        self.hidden_size = int(self.lm.config.hidden_size)

    def config_dict(self) -> dict:
        conf = self.lm.config.to_dict()
        conf.pop("_attn_implementation_autoset", None)
        return conf

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm.get_input_embeddings()(ids)

    def forward(
        self,
        embeds: torch.Tensor,
        position_ids: torch.Tensor,
        q_block_ids: torch.Tensor,
        k_block_ids: torch.Tensor | None = None,
        cache: Any = None,
        read_from: int = 0,
    ) -> torch.Tensor:
        """Hidden states (B, L, H) under the block-causal mask given by the ids (cache: a transformers Cache).

        `read_from` > 0: only rows `read_from`.. are read, (B, L - read_from, H); the last layer skips work on
        the rows before when it can do so with the same results (last_rows.py); the cache gets every row's KV.
        """
        start = suffix_start(read_from, embeds.shape[1]) if read_from and cache is not None else 0
        if start and supported(self.lm):
            hidden = run_from(self.lm, embeds, position_ids, q_block_ids, k_block_ids, cache, start, cache_keyword())
            return hidden[:, read_from - start :]
        out = self.lm.model(
            inputs_embeds=embeds,
            position_ids=position_ids,
            use_cache=cache is not None,
            q_block_ids=q_block_ids,
            k_block_ids=k_block_ids,
            **{cache_keyword(): cache},
        )
        return out.last_hidden_state[:, read_from:]

    def logits(self, hidden: torch.Tensor, rows: object = None) -> torch.Tensor:
        """Text logits; `rows` (which prompt each state belongs to) matters only to a scene-aware head
        (color_reading.ColorReader), which decoders may hold in place of the backbone."""
        return self.lm.get_output_embeddings()(hidden)
