"""The estimator composed of stages: :mod:`.detection` (the detector on the frame path or a worker),
:mod:`.scheduler` (when to detect; the detection worker),
:mod:`.tracker` (identity, lifecycle, next boxes), :mod:`.matching` (the Hungarian assignment),
:mod:`.pose_models` (ConvNeXtPose and BlazePose over a frame's boxes), :mod:`.smoothing` (One-Euro),
:mod:`.people` (everyone in a frame as arrays), :mod:`.stages` (the timed stages' names), built from one
config by :mod:`.build` and wired by :mod:`.estimator`."""

from .estimator import PoseEstimator
from .people import People, Person, PoseResult
from .stages import STAGES

__all__ = ["STAGES", "People", "Person", "PoseEstimator", "PoseResult"]
