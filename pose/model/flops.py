"""Counting the network's work: multiply-accumulates of one forward pass."""

from __future__ import annotations

from functools import cache

from .network import build_model
from .torch_loader import torch
from .variants import VARIANTS

__all__ = ["measure_gmacs"]


@cache
def measure_gmacs(variant: str) -> float:
    """Multiply-accumulates (G) of one forward pass at the input size, by PyTorch's FLOP counter (FLOPs / 2)."""
    from torch.utils.flop_counter import FlopCounterMode  # torch is loaded (by .torch_loader)

    model = build_model(variant)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model(torch.zeros(1, 3, *VARIANTS[variant].input_size))
    return counter.get_total_flops() / 2.0 / 1e9
