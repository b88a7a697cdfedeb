"""What shapes a video run's outputs, as one frozen value: a cache or manifest key, the JSON's record, the CLI flags.

A setting added here reaches every one of them: the command-line flags are
generated from the fields, the JSON records them all, and a result cached
or resumed under other settings never matches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..estimator import ESTIMATORS, PoseEstimator
from ..export import FORMATS, parse_formats

__all__ = ["VideoSettings", "add_settings_arguments", "settings_from_arguments"]


def _help(text: str, flag: str | None = None) -> dict:
    return {"help": text, "flag": flag}


@dataclass(frozen=True)
class VideoSettings:
    """The estimator, how it runs, and which frames it sees."""

    variant: str = field(default="XS", metadata=_help(f"estimator: {', '.join(ESTIMATORS)}"))
    backend: str = field(default="auto", metadata=_help("auto, torch, onnxruntime or openvino (ConvNeXtPose)"))
    device: str = field(default="auto", metadata=_help("auto, cpu or cuda"))
    precision: str = field(default="fp32", metadata=_help("fp32, bf16 or fp16 (CUDA)"))
    smoothing: bool = field(default=True, metadata=_help("One-Euro smoothing of the keypoints", "--no-smoothing"))
    detect_every: int = field(default=30, metadata=_help("run the person detector at least every N frames"))
    flip_test: bool = field(default=False, metadata=_help("average with the mirrored crop (2x inference)"))
    fov_deg: float = field(default=60.0, metadata=_help("the camera's horizontal field of view, degrees"))
    start: int = field(default=0, metadata=_help("first frame"))
    stop: int | None = field(default=None, metadata=_help("stop before this frame"))
    stride: int = field(default=1, metadata=_help("process every Nth frame"))
    batch_size: int = field(default=4, metadata=_help("frames per inference call"))
    draw: bool = field(default=True, metadata=_help("draw the skeletons on the annotated video", "--no-draw"))
    formats: str = field(
        default="all", metadata=_help(f"motion files per person: {','.join(FORMATS)} (comma-separated), all or none")
    )

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"start must be 0 or more, got {self.start}")
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"stop ({self.stop}) must be after start ({self.start})")
        if self.stride < 1:
            raise ValueError(f"stride must be at least 1, got {self.stride}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        parse_formats(self.formats)  # a clear error for an unknown name

    @property
    def motion_formats(self) -> tuple[str, ...]:
        """The motion files written per person (``formats`` parsed)."""
        return parse_formats(self.formats)

    def build(self, runner: Any = None) -> PoseEstimator:
        """A new estimator for these settings (around ``runner`` when one is shared).

        Raises:
            pose.CheckpointError, ValueError: when the model cannot be loaded.
        """
        return PoseEstimator(
            self.variant,
            backend=self.backend,
            device=self.device,
            precision=self.precision,
            smoothing=self.smoothing,
            detect_every=self.detect_every,
            flip_test=self.flip_test,
            fov_deg=self.fov_deg,
            runner=runner,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def digest(self) -> str:
        """A stable hash of every field (for keys that outlive the process, like a batch manifest)."""
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:16]


def add_settings_arguments(parser: argparse.ArgumentParser, *, skip: tuple[str, ...] = ()) -> None:
    """One command-line flag per :class:`VideoSettings` field (``--detect-every`` ...; booleans as switches)."""
    for f in fields(VideoSettings):
        if f.name in skip:
            continue
        flag = f.metadata.get("flag") or "--" + f.name.replace("_", "-")
        if f.type in ("bool", bool):
            action = "store_false" if f.default else "store_true"
            parser.add_argument(flag, dest=f.name, action=action, help=f.metadata["help"])
        else:
            kind = {"int": int, "float": float, "int | None": int}.get(str(f.type), str)
            parser.add_argument(flag, dest=f.name, type=kind, default=f.default, help=f.metadata["help"])


def settings_from_arguments(args: argparse.Namespace) -> VideoSettings:
    """The settings the parsed flags describe (fields without a flag keep their defaults).

    Raises:
        ValueError: for an impossible combination (stop before start, stride 0 ...).
    """
    given = {f.name: getattr(args, f.name) for f in fields(VideoSettings) if hasattr(args, f.name)}
    return VideoSettings(**given)
