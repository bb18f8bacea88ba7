"""Attention ops for training and decoding: block-causal masks, a torch reference and a Triton kernel."""
