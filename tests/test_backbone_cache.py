"""The backbone hands transformers its KV cache under the keyword the installed version expects: no deprecation
warning on every forward pass (transformers 5 renamed `past_key_values` to `cache`)."""

from __future__ import annotations

import inspect
import warnings

import torch
from _model_fixtures import micro_config
from transformers import LlamaModel

from lohovla.policies.lohovla.backbone import cache_keyword
from lohovla.policies.lohovla.block_cache import BlockCache
from lohovla.policies.lohovla.loading import build_model


def test_the_cache_keyword_is_one_the_installed_transformers_takes() -> None:
    assert cache_keyword() in inspect.signature(LlamaModel.forward).parameters


@torch.no_grad()
def test_running_the_cache_warns_nothing() -> None:
    model = build_model(micro_config()).eval()
    cache = BlockCache(model.backbone)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cache.run(model.backbone.embed(torch.tensor([[5, 6, 7]])), torch.zeros(3, dtype=torch.long))
        hidden = cache.run(model.backbone.embed(torch.tensor([[8]])), torch.tensor([1]))
    assert cache.length == 4 and hidden.shape == (1, 1, model.backbone.hidden_size)
