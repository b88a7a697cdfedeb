"""Torch, for the model room's modules: they take it from here, so its OpenMP threads are told to wait passively
before it loads. Nothing is set before a module of the model room that needs torch is imported (``import pose``
sets nothing: ``tests/test_init.py``)."""

import os

# PyTorch's OpenMP threads spin after each call by default, on the cores that the detection worker and the
# other runtimes need (the Live page runs detection beside the pose model). Measured on 2 cores,
# `python -m pose.bench --variants XS --configs torch`, live end to end: 0.7 frames/s spinning, 14.6 passive.
# Set before torch loads OpenMP; a value the user set stays.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402  (after the wait policy, which OpenMP reads once, when it loads)

__all__ = ["torch"]
