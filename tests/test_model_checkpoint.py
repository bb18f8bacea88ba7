"""Checkpoints: save/load round trip, load_policy dispatch, pretrained backbone from a local path."""

from __future__ import annotations

import json

import pytest
import torch
from _model_fixtures import micro_config, synthetic_store

from lohovla.policies.lohovla.loading import build_model, load_model, save_checkpoint
from lohovla.training.batching import Collator


def _losses(model, store):
    batch = Collator(store, model.codec, use_subtask=True)(list(range(len(store))))
    with torch.no_grad():
        return model(batch, torch.Generator().manual_seed(3))


def test_save_load_round_trip(tmp_path) -> None:
    torch.manual_seed(0)
    model = build_model(micro_config()).eval()
    save_checkpoint(model, str(tmp_path / "m"), extra={"training": {"step": 7}})
    files = {p.name for p in (tmp_path / "m").iterdir()}
    assert files == {"config.json", "model.safetensors", "tokenizer.json"}
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["training"]["step"] == 7 and config["model"]["name"] == "micro"
    again = load_model(str(tmp_path / "m"))
    store = synthetic_store(6)
    a, b = _losses(model, store), _losses(again, store)
    for k in ("text", "map", "flow"):
        assert torch.equal(a[k], b[k])


def test_a_retired_check_loads_with_a_warning_and_an_unknown_key_does_not(tmp_path) -> None:
    path = save_checkpoint(build_model(micro_config()), str(tmp_path / "m"))
    config = json.loads((path / "config.json").read_text())
    config["model"]["grounding"]["flow_reach"] = True  # written by a version that still had that check
    config["model"]["grounding"]["color_floor"] = False  # and by one from before the later four went
    (path / "config.json").write_text(json.dumps(config))
    with pytest.warns(UserWarning, match=r"\['color_floor', 'flow_reach'\] are retired.*color_floor: it changed"):
        assert load_model(path).cfg.grounding == build_model(micro_config()).cfg.grounding
    del config["model"]["grounding"]["flow_reach"], config["model"]["grounding"]["color_floor"]
    config["model"]["grounding"]["typo_check"] = True
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="unknown \\['typo_check'\\]"):
        load_model(path)


def test_load_policy_dispatches_checkpoint_dirs(tmp_path) -> None:
    import lohovla

    torch.manual_seed(0)
    save_checkpoint(build_model(micro_config()), str(tmp_path / "m"))
    policy = lohovla.load_policy(str(tmp_path / "m"), replan="never", flow_steps=3)
    assert policy.name == "micro" and policy.rule.strategy == "never" and policy.flow_steps == 3
    d2f = lohovla.load_policy(str(tmp_path / "m"), decoder="d2f", decode={"tau_conf": 0.8})
    assert d2f.decoder == "d2f" and d2f.decode_cfg.tau_conf == 0.8 and d2f.fork().decode_cfg == d2f.decode_cfg
    with pytest.raises(ValueError):
        lohovla.load_policy(str(tmp_path / "m"), decoder="beam")


def test_pretrained_backbone_from_local_path(tmp_path) -> None:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from lohovla.policies.lohovla.tokenizer import build_tokenizer

    tok = build_tokenizer()
    lm = Qwen2ForCausalLM(
        Qwen2Config(
            vocab_size=tok.get_vocab_size(),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    )
    lm.save_pretrained(tmp_path / "lm")
    tok.save(str(tmp_path / "lm" / "tokenizer.json"))
    cfg = micro_config()
    cfg.backbone.path = str(tmp_path / "lm")
    model = build_model(cfg)
    assert model.backbone.lm.config.model_type == "qwen2"
    assert torch.equal(model.backbone.lm.model.embed_tokens.weight, lm.model.embed_tokens.weight)
    save_checkpoint(model, str(tmp_path / "ckpt"))
    (tmp_path / "lm" / "config.json").unlink()  # the checkpoint must not need the original path any more
    again = load_model(tmp_path / "ckpt")
    assert again.backbone.lm.config.model_type == "qwen2"
    store = synthetic_store(4)
    assert torch.equal(_losses(model.eval(), store)["text"], _losses(again, store)["text"])
