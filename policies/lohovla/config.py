"""Model configuration: plain slots dataclasses, saved as config.json next to the weights.

One dataclass per part so a hydra `model=...` preset maps onto it field by field, and `from_dict` ignores
nothing silently: an unknown key is an error (a typo in a preset must not train the wrong model).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from lohovla.policies.lohovla.decode_config import DecodeConfig
from lohovla.policies.lohovla.grounding_config import GroundingConfig

__all__ = ["ActionConfig", "BackboneConfig", "GroundingConfig", "ModelConfig", "TextConfig", "VisionConfig"]


@dataclass(slots=True)
class VisionConfig:
    """Conv encoder over RGB + height at half resolution (160 x 80): a dense map for actions, tokens for the LM."""

    kind: str = "conv"  # conv (trained from scratch) | pretrained (a transformers vision model from `path`)
    path: str | None = None  # local directory of a pretrained vision model (kind=pretrained)
    widths: tuple[int, ...] = (16, 48, 96)  # channels at strides 2, 4, 8 of the half-res image
    token_stride: int = 16  # 16 -> 10 x 5 = 50 image tokens; 8 -> 20 x 10 = 200
    dense_channels: int = 64  # channels of the stride-4 (2.5 cm) feature map the action path reads
    color_features: int = 0  # per-pixel colour channels max-pooled into each token, not scene-normalised (0: off)


@dataclass(slots=True)
class BackboneConfig:
    """A transformers causal LM: built from these sizes (arch llama | qwen2), or loaded from `path`."""

    arch: str = "llama"
    path: str | None = None  # local pretrained checkpoint (its own tokenizer is used then)
    hidden_size: int = 192
    num_layers: int = 4
    num_heads: int = 4
    num_kv_heads: int = 4
    intermediate_size: int = 384
    max_positions: int = 512
    rope_theta: float = 10000.0


@dataclass(slots=True)
class ActionConfig:
    """Score maps (where to pick and place) + a flow-matching head that refines the continuous poses."""

    flow_steps: int = 10  # Euler steps at inference
    hidden: int = 192  # width of the flow MLP-ResNet
    blocks: int = 3
    glimpse: int = 24  # side (half-res pixels) of the crops read around the current pick/place sample
    start_sigma: float = 0.5  # std (score-map cells) of the noise around the map's mode the flow starts from
    map_sigma: float = 0.5  # std (cells) of the soft target of the score-map cross-entropy
    flow_samples: int = 2  # flow-matching times drawn per example per training step


@dataclass(slots=True)
class TextConfig:
    """Sub-task text: which objectives train it and how D2F blocks are drawn."""

    use_subtask: bool = True  # False: the vanilla-VLA baseline (goal -> action, no sub-task)
    block_sizes: tuple[int, ...] = (1, 4, 8)
    block_probs: tuple[float, ...] = (0.5, 0.25, 0.25)  # only block size 1 feeds the action loss (clean text)
    first_ratio: tuple[float, float] = (0.2, 0.7)  # D2F mask ratio of the first block
    # D2F samples padded with EOS to their last block's end, so a block's [MASK] count does not give away where the
    # sub-task ends (sequence.py): decoding appends full blocks, and drafts then stretch the sentence to fill them.
    pad_blocks: bool = False
    max_goal_tokens: int = 32
    max_subtask_tokens: int = 48
    # Colour words whose object the LM also points at (a refer map over the dense cells, trained on the pick or place
    # position of the step). At decoding the colour is then read where it points (color_reading.py). Empty: off.
    refer_colors: tuple[str, ...] = ()


@dataclass(slots=True)
class ModelConfig:
    vision: VisionConfig = field(default_factory=VisionConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    action: ActionConfig = field(default_factory=ActionConfig)
    text: TextConfig = field(default_factory=TextConfig)
    decode: DecodeConfig = field(default_factory=DecodeConfig)
    grounding: GroundingConfig = field(default_factory=GroundingConfig)
    name: str = "lohovla-tiny"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        parts = {"vision": VisionConfig, "backbone": BackboneConfig, "action": ActionConfig, "text": TextConfig}
        parts["decode"], parts["grounding"] = DecodeConfig, GroundingConfig
        kwargs: dict[str, Any] = {}
        for key, value in (data or {}).items():
            if key in parts:
                kwargs[key] = _build(parts[key], value)
            elif key == "name":
                kwargs[key] = value
            else:
                raise KeyError(f"unknown model config key {key!r}")
        return cls(**kwargs)


def _build(kind: type, values: Any) -> Any:
    if isinstance(values, kind):
        return values
    known = {f.name: f for f in fields(kind)}
    unknown = sorted(set(values or {}) - set(known))
    if unknown:
        raise KeyError(f"unknown {kind.__name__} keys {unknown}")
    out = {}
    for key, value in (values or {}).items():
        out[key] = tuple(value) if isinstance(value, list) else value
    return kind(**out)
