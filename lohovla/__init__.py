"""LoHoVLA: a long-horizon vision-language-action control stack."""

__version__ = "0.1.0"
