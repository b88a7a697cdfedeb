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

from ..config import EstimatorConfig, add_arguments, from_arguments
from ..engine.estimator import PoseEstimator
from ..export import FORMATS, parse_formats

__all__ = ["VideoSettings", "add_settings_arguments", "settings_from_arguments"]


def _help(text: str, flag: str | None = None) -> dict:
    return {"help": text}


@dataclass(frozen=True)
class VideoSettings:
    """The estimator's config (:class:`pose.EstimatorConfig`, its one home of defaults) and which frames it sees.

    Offline, detection runs on the frame that needs it (``estimator.async_detection`` off), so a run is
    deterministic.
    """

    estimator: EstimatorConfig = field(default_factory=EstimatorConfig)
    start: int = field(default=0, metadata=_help("first frame"))
    stop: int | None = field(default=None, metadata=_help("stop before this frame"))
    stride: int = field(default=1, metadata=_help("process every Nth frame"))
    draw: bool = field(default=True, metadata=_help("draw the skeletons on the annotated video"))
    formats: str = field(
        default="all", metadata=_help(f"motion files per person: {','.join(FORMATS)} (comma-separated), all or none")
    )

    def __post_init__(self) -> None:
        if not isinstance(self.estimator, EstimatorConfig):
            raise TypeError(f"estimator must be an EstimatorConfig, got {self.estimator!r}")
        if self.start < 0:
            raise ValueError(f"start must be 0 or more, got {self.start}")
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"stop ({self.stop}) must be after start ({self.start})")
        if self.stride < 1:
            raise ValueError(f"stride must be at least 1, got {self.stride}")
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
        return PoseEstimator(config=self.estimator, runner=runner)

    def as_dict(self) -> dict[str, Any]:
        """Every setting, flat: the estimator's fields, then the frames'."""
        frames = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "estimator"}
        return {**asdict(self.estimator), **frames}

    def digest(self) -> str:
        """A stable hash of every field (for keys that outlive the process, like a batch manifest)."""
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()[:16]


def add_settings_arguments(parser: argparse.ArgumentParser, *, skip: tuple[str, ...] = ()) -> None:
    """The command-line flags of :class:`pose.EstimatorConfig` and of the frames (``--detect-every N``,
    ``--stride N``, ``--smoothing/--no-smoothing`` ...), each with its help."""
    add_arguments(parser, EstimatorConfig, skip=skip)
    add_arguments(parser, VideoSettings, skip=skip)


def settings_from_arguments(args: argparse.Namespace) -> VideoSettings:
    """The settings the parsed flags describe (fields without a flag keep their defaults).

    Raises:
        ValueError: for an impossible combination (stop before start, stride 0 ...).
    """
    return from_arguments(args, VideoSettings, estimator=from_arguments(args, EstimatorConfig))
