"""How an estimator runs, as one frozen value: the only home of its defaults.

:class:`EstimatorConfig` is what :class:`pose.PoseEstimator` is built from; the command-line flags
(:func:`add_arguments`, with each field's help), the video settings and the batch command are built from its
fields, so they cannot drift apart. The app's sidebar (``ui/controls.py``) starts every widget at these
defaults and shows the help of some fields; its slider ranges are its own, within the limits checked here.
Which estimator a fresh install starts with is :func:`default_estimator`: the most accurate size with trained
weights, else bundled BlazePose.
"""

from __future__ import annotations

import argparse
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .confidence import SURE
from .geometry import focal_from_fov
from .model.choices import BACKENDS, DEVICES, PRECISIONS
from .model.variants import VARIANTS, variant_title
from .model.weights import find_checkpoint

__all__ = [
    "BLAZEPOSE",
    "ESTIMATORS",
    "EstimatorConfig",
    "default_estimator",
    "estimator_title",
    "has_trained_weights",
    "add_arguments",
    "from_arguments",
]

BLAZEPOSE = "BlazePose"
ESTIMATORS: tuple[str, ...] = (*VARIANTS, BLAZEPOSE)


def _about(text: str, flag: str | None = None) -> dict:
    """A field's command-line help, and its flag where it is not ``--field-name``."""
    return {"help": text, "flag": flag}


@dataclass(frozen=True)
class EstimatorConfig:
    """Which estimator, how it runs, and how it follows people. Every field has a default here and only here.

    Raises:
        ValueError: (on creation) for an unknown estimator, backend, device or precision, or a setting out
            of range.
    """

    variant: str | None = field(
        default=None,
        metadata=_about(
            f"estimator: {', '.join(ESTIMATORS)}; default: the most accurate size with trained weights, "
            "else BlazePose (bundled)"
        ),
    )
    backend: str = field(default="auto", metadata=_about(f"ConvNeXtPose runtime: {', '.join(BACKENDS)}"))
    device: str = field(default="auto", metadata=_about(f"{', '.join(DEVICES)} (auto: a CUDA GPU when present)"))
    precision: str = field(default="fp32", metadata=_about(f"{', '.join(PRECISIONS)} (bf16: CPU; fp16: CUDA)"))
    max_people: int = field(default=10, metadata=_about("follow at most this many people, the largest first"))
    detect_every: int = field(
        default=30, metadata=_about("while people are followed, look for new ones at least every N frames")
    )
    async_detection: bool = field(
        default=False,
        metadata=_about(
            "detect on a worker thread beside the tracking, merged when ready (live use); "
            "off: on the frame that needs it, deterministic (files)"
        ),
    )
    confirm_tracks: bool = field(
        default=True,
        metadata=_about(
            "confirm each unsure person in their region with BlazePose's landmark model on the next frame, "
            "so a person who leaves is gone within a frame or two"
        ),
    )
    static_image_mode: bool = field(
        default=False, metadata=_about("treat each frame as an unrelated image: detect every frame, no tracking")
    )
    smoothing: bool = field(default=True, metadata=_about("One-Euro smoothing of each person's keypoints (video)"))
    flip_test: bool = field(default=False, metadata=_about("average with the mirrored crop (twice the inference)"))
    fov_deg: float = field(default=60.0, metadata=_about("the camera's horizontal field of view, degrees", "--fov"))
    focal_px: float | None = field(
        default=None, metadata=_about("the camera's focal length in pixels, instead of the field of view", "--focal")
    )
    min_track_confidence: float = field(
        default=SURE,
        metadata=_about(
            "a skeleton at least this sure of its person (ConvNeXtPose: its joints' mean confidence; BlazePose: its "
            "pose flag) steers its next box; a less sure one is checked"
        ),
    )
    max_missed_detections: int = field(
        default=3, metadata=_about("detector runs in a row that may miss a person before their track ends")
    )

    def __post_init__(self) -> None:
        if self.variant is not None and self.variant not in ESTIMATORS:
            raise ValueError(f"unknown estimator {self.variant!r}; choose one of {', '.join(ESTIMATORS)}")
        for name, choices in (("backend", BACKENDS), ("device", DEVICES), ("precision", PRECISIONS)):
            if getattr(self, name) not in choices:
                raise ValueError(f"unknown {name} {getattr(self, name)!r}; choose one of {', '.join(choices)}")
        if self.max_people < 1:
            raise ValueError(f"max_people must be at least 1, got {self.max_people}")
        if self.detect_every < 1:
            raise ValueError(f"detect_every must be at least 1, got {self.detect_every}")
        if not 1.0 <= self.fov_deg <= 179.0:
            raise ValueError(f"fov_deg must be between 1 and 179 degrees, got {self.fov_deg}")
        if self.focal_px is not None and not self.focal_px > 0:
            raise ValueError(f"focal_px must be positive, got {self.focal_px}")
        if self.max_missed_detections < 0:
            raise ValueError(f"max_missed_detections must be 0 or more, got {self.max_missed_detections}")

    def resolved(self, weights_folder: Path | None = None) -> EstimatorConfig:
        """This config with ``variant`` filled in (:func:`default_estimator` where it is None)."""
        return self if self.variant is not None else replace(self, variant=default_estimator(weights_folder))

    def focal(self, image_size: tuple[int, int]) -> tuple[float, float]:
        """(fx, fy) in pixels for frames of ``image_size`` (width, height): ``focal_px``, else from ``fov_deg``."""
        if self.focal_px is not None:
            return float(self.focal_px), float(self.focal_px)
        return focal_from_fov(image_size, self.fov_deg)


def estimator_title(name: str) -> str:
    """An estimator's name as people read it: "ConvNeXtPose-XS" for a size, "BlazePose" for BlazePose."""
    return BLAZEPOSE if name == BLAZEPOSE else variant_title(name)


def has_trained_weights(name: str, weights_folder: Path | None = None) -> bool:
    """Whether estimator ``name`` shows a real skeleton: BlazePose (bundled) always, a size with its checkpoint.

    Raises:
        ValueError: for an unknown estimator.
    """
    if name == BLAZEPOSE:
        return True
    if name not in VARIANTS:
        raise ValueError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")
    return find_checkpoint(name, weights_folder) is not None


def default_estimator(weights_folder: Path | None = None) -> str:
    """The most accurate ConvNeXtPose size (lowest paper MPJPE) with trained weights in ``weights_folder``
    (default :func:`pose.weights_dir`); with none, BlazePose, which is bundled and always trained."""
    trained = [v for v in VARIANTS.values() if has_trained_weights(v.name, weights_folder)]
    return min(trained, key=lambda v: v.mpjpe_mm).name if trained else BLAZEPOSE


# --- command-line flags from the fields ----------------------------------------------------------------------


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _scalar_type(hint: Any) -> type:
    """``int`` for ``int`` and ``int | None``, and so on."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def add_arguments(parser: argparse.ArgumentParser, cls: type = EstimatorConfig, *, skip: tuple[str, ...] = ()) -> None:
    """One flag per field of the dataclass ``cls`` (``--detect-every N``; booleans as ``--x`` / ``--no-x``),
    each with the field's help and default. The field types are read from the class's annotations."""
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        if f.name in skip or "help" not in f.metadata:
            continue
        kind = _scalar_type(hints[f.name])
        default = None if f.default is MISSING else f.default
        flag = f.metadata.get("flag") or _flag(f.name)
        if kind is bool:
            parser.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default,
                help=f.metadata["help"],
            )  # fmt: skip
        else:
            shown = "" if default is None else f" (default: {default})"
            parser.add_argument(
                flag, dest=f.name, type=kind, default=default, metavar=f.name.upper(),
                help=f.metadata["help"] + shown,
            )  # fmt: skip


def from_arguments(args: argparse.Namespace, cls: type = EstimatorConfig, **given: Any):
    """An instance of ``cls`` from the parsed flags (fields without a flag keep their defaults).

    Raises:
        ValueError: for a setting the class refuses.
    """
    values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
    return cls(**{**values, **given})
