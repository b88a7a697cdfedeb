"""Which compute device there is: CUDA when present, else the CPU (the app asks here, never torch itself)."""

from __future__ import annotations

from .choices import DEVICES

__all__ = ["DEVICES", "cuda_available", "gpu_name", "resolve_device", "set_cpu_threads", "torch_version"]


def cuda_available() -> bool:
    """Whether PyTorch sees a CUDA GPU."""
    from .torch_loader import torch

    return torch.cuda.is_available()


def gpu_name() -> str | None:
    """The first CUDA GPU's name, or None without one."""
    from .torch_loader import torch

    return torch.cuda.get_device_name(0) if cuda_available() else None


def torch_version() -> str:
    from .torch_loader import torch

    return torch.__version__


def set_cpu_threads(n: int) -> None:
    """Limit PyTorch's CPU threads (for benchmarks on a shared machine)."""
    from .torch_loader import torch

    torch.set_num_threads(n)


def resolve_device(device: str = "auto") -> str:
    """ "auto" -> "cuda" when a CUDA GPU is present, else "cpu".

    Raises:
        ValueError: for an unknown device, or "cuda" without a CUDA GPU.
    """
    from .torch_loader import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; choose one of {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but PyTorch finds no CUDA GPU on this machine")
    return device
