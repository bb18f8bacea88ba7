"""Checkpoint directories: config.json + model.safetensors + tokenizer.json, self-contained.

The backbone's own transformers config is stored too, so a model that started from a pretrained path rebuilds
without it. The grounding settings are stored whole: loading refuses a section with missing or unknown keys.
`lohovla.load_policy(dir)` lands in `policy.load_checkpoint_policy`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from lohovla.policies.lohovla.config import ModelConfig
from lohovla.policies.lohovla.grounding_config import check_complete
from lohovla.policies.lohovla.model import LoHoVLAModel
from lohovla.policies.lohovla.tokenizer import TextCodec, build_tokenizer

FORMAT = "lohovla-checkpoint"
VERSION = 1


def build_model(cfg: ModelConfig, extra_texts: list[str] | None = None) -> LoHoVLAModel:
    """A fresh model: the word-level tokenizer for the default backbone, the checkpoint's own for a pretrained one."""
    if cfg.backbone.path:
        codec = TextCodec.load(Path(cfg.backbone.path) / "tokenizer.json")
    else:
        codec = TextCodec(build_tokenizer(extra_texts or []))
    return LoHoVLAModel(cfg, codec)


def save_checkpoint(model: LoHoVLAModel, path: Path | str, extra: dict[str, Any] | None = None) -> Path:
    """Write the directory atomically enough for a reader: files go in under temporary names, then renamed."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    config = {
        "format": FORMAT,
        "version": VERSION,
        "model": model.cfg.to_dict(),
        "backbone_hf_config": model.backbone.config_dict(),
        **(extra or {}),
    }
    save_file(state, str(path / "model.safetensors.tmp"))
    model.codec.save(path / "tokenizer.json.tmp")
    (path / "config.json.tmp").write_text(json.dumps(config, indent=2, default=str))
    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        os.replace(path / f"{name}.tmp", path / name)
    return path


def extra_fields(config: dict[str, Any]) -> dict[str, Any]:
    """What a checkpoint's config.json says beyond the model (training, colour fit, ...): a tool that rewrites the
    weights passes these on, and `save_checkpoint` writes the model's own fields afresh."""
    return {k: v for k, v in config.items() if k not in ("format", "version", "model", "backbone_hf_config")}


def load_model(path: Path | str, device: str = "cpu", keep_behaviour: bool = True) -> LoHoVLAModel:
    """The checkpoint's model; grounding settings it predates at its old behaviour, or with `keep_behaviour` off at
    today's defaults (grounding_config.check_complete)."""
    path = Path(path)
    config = json.loads((path / "config.json").read_text())
    if config.get("format") != FORMAT:
        raise ValueError(f"{path}/config.json is not a LoHoVLA checkpoint (format {config.get('format')!r})")
    grounding = config["model"].get("grounding", {})
    config["model"]["grounding"] = check_complete(grounding, f"{path}/config.json", keep_behaviour)
    cfg = ModelConfig.from_dict(config["model"])
    cfg.backbone.path = None  # the weights below replace the pretrained ones; the architecture comes from the dict
    if cfg.vision.kind == "pretrained" and cfg.vision.path and not Path(cfg.vision.path).exists():
        raise FileNotFoundError(f"the pretrained vision encoder {cfg.vision.path} is not available here")
    codec = TextCodec.load(path / "tokenizer.json")
    model = LoHoVLAModel(cfg, codec, hf_config_dict=config.get("backbone_hf_config"))
    missing, unexpected = model.load_state_dict(load_file(str(path / "model.safetensors")), strict=False)
    if missing or unexpected:
        raise ValueError(
            f"{path}: weights do not match the config (missing {missing[:5]}, unexpected {unexpected[:5]})"
        )
    return model.to(device).eval()


def from_pretrained(path: Path | str, device: str = "cpu") -> LoHoVLAModel:
    """`LoHoVLAModel.from_pretrained`-style entry point (local directories only, never a hub)."""
    return load_model(path, device)
