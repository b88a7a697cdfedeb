"""The estimator composed of stages: :mod:`.scheduler` (when to detect; the detection worker),
:mod:`.tracker` (identity, lifecycle, next boxes), :mod:`.matching` (the Hungarian assignment),
:mod:`.pose_models` (ConvNeXtPose and BlazePose over a frame's boxes), :mod:`.smoothing` (One-Euro),
:mod:`.people` (everyone in a frame as arrays), wired by :mod:`.estimator`."""

from .estimator import STAGES, PoseEstimator, PoseResult
from .people import People, Person

__all__ = ["STAGES", "People", "Person", "PoseEstimator", "PoseResult"]
