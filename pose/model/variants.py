"""The four ConvNeXtPose variants as data.

One frozen dataclass per variant and one table. The architecture numbers are
those of the reference implementation (verified by parameter count against
``shared/conformance``); the accuracy figures are the paper's (Human3.6M).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Variant", "VARIANTS", "get_variant", "variant_title"]


@dataclass(frozen=True)
class Variant:
    """Architecture and published figures of one ConvNeXtPose size.

    Attributes:
        name: "XS", "S", "M" or "L".
        depths: blocks per backbone stage.
        dims: channels per backbone stage.
        head_channels: channels of the three head layers.
        head_upsample: whether each head layer upsamples x2 (bilinear).
        depth_bins: depth resolution of the output volume.
        heatmap_size: (height, width) of the output volume.
        params: parameter count of the network.
        mpjpe_mm: paper's Human3.6M MPJPE, protocol 2.
        pa_mpjpe_mm: paper's Human3.6M PA-MPJPE, protocol 1, where published.
        gflops: paper's GFLOPs, where published.
    """

    name: str
    depths: tuple[int, int, int, int]
    dims: tuple[int, int, int, int]
    head_channels: int
    head_upsample: tuple[bool, bool, bool]
    depth_bins: int
    heatmap_size: tuple[int, int]
    params: int
    mpjpe_mm: float
    pa_mpjpe_mm: float | None = None
    gflops: float | None = None

    input_size: tuple[int, int] = (256, 256)
    num_joints: int = 18


_SMALL_BACKBONE = dict(depths=(2, 2, 6, 2), dims=(40, 80, 160, 320))
_BASE_BACKBONE = dict(depths=(3, 3, 9, 3), dims=(48, 96, 192, 384))

# fmt: off
VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("XS", **_SMALL_BACKBONE, head_channels=128, head_upsample=(True, True, False),
                depth_bins=32, heatmap_size=(32, 32), params=3_528_008, mpjpe_mm=56.61),
        Variant("S", **_BASE_BACKBONE, head_channels=256, head_upsample=(True, True, False),
                depth_bins=32, heatmap_size=(32, 32), params=7_438_976, mpjpe_mm=51.80),
        Variant("M", **_BASE_BACKBONE, head_channels=256, head_upsample=(True, True, True),
                depth_bins=64, heatmap_size=(64, 64), params=7_587_008, mpjpe_mm=51.05,
                pa_mpjpe_mm=34.5, gflops=2.82),
        Variant("L", **_BASE_BACKBONE, head_channels=512, head_upsample=(True, True, True),
                depth_bins=64, heatmap_size=(64, 64), params=8_380_352, mpjpe_mm=49.75,
                pa_mpjpe_mm=32.8, gflops=4.30),
    )
}
# fmt: on


def get_variant(name: str | Variant) -> Variant:
    """Return the variant called ``name`` (case-insensitive).

    Raises:
        ValueError: for a name that is not in :data:`VARIANTS`.
    """
    if isinstance(name, Variant):
        return name
    key = str(name).strip().upper()
    if key not in VARIANTS:
        raise ValueError(f"unknown ConvNeXtPose variant {name!r}; choose one of {', '.join(VARIANTS)}")
    return VARIANTS[key]


def variant_title(name: str) -> str:
    """A size's name as the paper writes it: "ConvNeXtPose-XS"."""
    return f"ConvNeXtPose-{name}"
