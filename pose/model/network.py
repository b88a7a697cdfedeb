"""The ConvNeXtPose network: a ConvNeXt-with-BatchNorm backbone, a depthwise
separable upsampling head, and the integral soft-argmax.

Module and parameter names follow the reference implementation exactly, so a
reference state dict loads with ``strict=True``. Nothing here knows about
files, images or the app.
"""

from __future__ import annotations

from .torch_loader import torch
from .variants import Variant, get_variant

nn, F = torch.nn, torch.nn.functional

__all__ = ["ConvNeXtPose", "build_model", "soft_argmax"]


class Block(nn.Module):
    """ConvNeXt block with BatchNorm: dwconv 7x7 -> BN -> 1x1 (x4) -> ReLU -> 1x1, residual."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.BatchNorm2d(dim)
        self.pwconv1 = nn.Conv2d(dim, 4 * dim, kernel_size=1)
        self.act = nn.ReLU(inplace=True)
        self.pwconv2 = nn.Conv2d(4 * dim, dim, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pwconv2(self.act(self.pwconv1(self.norm(self.dwconv(x)))))


class Backbone(nn.Module):
    """ConvNeXt with BatchNorm: a 4x4 stem, three 2x2 downsamplings, four stages, a final BN."""

    def __init__(self, depths: tuple[int, ...], dims: tuple[int, ...], in_chans: int = 3) -> None:
        super().__init__()
        stem = nn.Sequential(nn.Conv2d(in_chans, dims[0], kernel_size=4, stride=4), nn.BatchNorm2d(dims[0]))
        self.downsample_layers = nn.ModuleList([stem])
        for i in range(3):
            self.downsample_layers.append(
                nn.Sequential(nn.BatchNorm2d(dims[i]), nn.Conv2d(dims[i], dims[i + 1], kernel_size=2, stride=2))
            )
        self.stages = nn.ModuleList(
            nn.Sequential(*(Block(dim) for _ in range(depth))) for depth, dim in zip(depths, dims)
        )
        self.norm = nn.BatchNorm2d(dims[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for downsample, stage in zip(self.downsample_layers, self.stages):
            x = stage(downsample(x))
        return self.norm(x)


class HeadLayer(nn.Module):
    """Depthwise 3x3 -> BN -> pointwise 1x1 -> ReLU -> optional bilinear x2 (align_corners)."""

    def __init__(self, in_channels: int, out_channels: int, upsample: bool) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(in_channels, in_channels, kernel_size=3, padding=1, groups=in_channels)
        self.norm = nn.BatchNorm2d(in_channels)
        self.pwconv = nn.Conv2d(in_channels, out_channels, kernel_size=1)
        self.act = nn.ReLU(inplace=True)
        self.upsample = upsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.pwconv(self.norm(self.dwconv(x))))
        if self.upsample:
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=True)
        return x


class Head(nn.Module):
    """Three :class:`HeadLayer` and a 1x1 conv to ``joints * depth_bins`` volume logits."""

    def __init__(self, in_channels: int, channels: int, upsample: tuple[bool, ...], out_channels: int) -> None:
        super().__init__()
        self.deconv_layers_1 = HeadLayer(in_channels, channels, upsample[0])
        self.deconv_layers_2 = HeadLayer(channels, channels, upsample[1])
        self.deconv_layers_3 = HeadLayer(channels, channels, upsample[2])
        self.final_layer = nn.Conv2d(channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.final_layer(self.deconv_layers_3(self.deconv_layers_2(self.deconv_layers_1(x))))


def soft_argmax(
    logits: torch.Tensor, num_joints: int, depth_bins: int, *, with_confidence: bool = False
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Integral soft-argmax over each joint's whole (depth, H, W) volume.

    Args:
        logits: (N, joints * depth_bins, H, W) head output.
        num_joints: joints in the volume.
        depth_bins: depth resolution of the volume.
        with_confidence: also return each joint's confidence.

    Returns:
        (N, joints, 3) expected (x, y, z) in heatmap cells and depth bins and,
        with ``with_confidence``, (N, joints) confidences: the probability mass
        within one cell of the 2D peak (1 for a sharp peak, 9/(H*W) for a
        flat volume).
    """
    n, _, height, width = logits.shape
    probs = F.softmax(logits.reshape(n, num_joints, depth_bins * height * width), dim=2)
    volume = probs.reshape(n, num_joints, depth_bins, height, width)
    grid = dict(dtype=probs.dtype, device=probs.device)
    # Two passes over the volume: its (H, W) and its depth marginals; x and y come from the small 2D one.
    mass_2d = volume.sum(dim=2)
    x = (mass_2d.sum(dim=2) * torch.arange(width, **grid)).sum(dim=2)
    y = (mass_2d.sum(dim=3) * torch.arange(height, **grid)).sum(dim=2)
    z = (volume.sum(dim=(3, 4)) * torch.arange(depth_bins, **grid)).sum(dim=2)
    coords = torch.stack((x, y, z), dim=2)
    if with_confidence:
        near_peak = F.avg_pool2d(mass_2d, kernel_size=3, stride=1, padding=1, count_include_pad=True) * 9.0
        return coords, near_peak.flatten(2).amax(dim=2)
    return coords


class ConvNeXtPose(nn.Module):
    """ConvNeXtPose for one :class:`~pose.variants.Variant`.

    ``model(x)`` maps (N, 3, 256, 256) normalised RGB crops to (N, 18, 3):
    x, y in heatmap cells and z in depth bins.
    """

    def __init__(self, variant: Variant | str) -> None:
        super().__init__()
        self.variant: Variant = get_variant(variant)
        v = self.variant
        self.backbone = Backbone(v.depths, v.dims)
        self.head = Head(v.dims[-1], v.head_channels, v.head_upsample, v.num_joints * v.depth_bins)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Backbone features, (N, dims[-1], 8, 8)."""
        return self.backbone(x)

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Volume logits, (N, joints * depth_bins, H, W)."""
        return self.head(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return soft_argmax(
            self.forward_head(self.forward_features(x)), self.variant.num_joints, self.variant.depth_bins
        )

    def forward_with_confidence(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Coordinates (N, 18, 3) and each joint's confidence (N, 18), see :func:`soft_argmax`."""
        logits = self.forward_head(self.forward_features(x))
        return soft_argmax(logits, self.variant.num_joints, self.variant.depth_bins, with_confidence=True)

    def extra_repr(self) -> str:
        return f"variant={self.variant.name}"


def build_model(variant: str | Variant) -> ConvNeXtPose:
    """Return an eval-mode ConvNeXtPose for "XS", "S", "M" or "L".

    Weights are PyTorch's default initialisation; load a checkpoint with
    :func:`pose.load_checkpoint` for trained weights.

    Raises:
        ValueError: for an unknown variant.
    """
    return ConvNeXtPose(variant).eval()
