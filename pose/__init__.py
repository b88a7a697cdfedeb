"""ConvNeXtPose: the published 3D human pose network and its reference pipeline.

Public API::

    model = pose.build_model("XS")            # eval-ready, untrained
    model = pose.load_checkpoint(path)        # any distributed checkpoint form
    result = pose.estimate(model, image_bgr, bbox_xywh, focal=(f, f), root_depth_mm=5000)

    with pose.PoseEstimator("XS") as estimator:   # detect, track, crop, infer, decode
        result = estimator.process(frame_bgr)     # result.people[i].keypoints_3d ...
"""

from .checkpoints import CheckpointError, detect_variant, filter_state_dict, load_checkpoint, read_state_dict
from .estimator import BLAZEPOSE, ESTIMATORS, Person, PoseEstimator, PoseResult, load_runner
from .network import ConvNeXtPose, build_model, soft_argmax
from .pipeline import Estimate, estimate
from .skeleton import BONES, FLIP_PAIRS, JOINT_NAMES, NUM_JOINTS
from .variants import VARIANTS, Variant, get_variant
from .weights import deterministic_state_dict, find_checkpoint, init_deterministic, weights_dir

__all__ = [
    "BLAZEPOSE",
    "ESTIMATORS",
    "Person",
    "PoseEstimator",
    "PoseResult",
    "load_runner",
    "BONES",
    "FLIP_PAIRS",
    "JOINT_NAMES",
    "NUM_JOINTS",
    "VARIANTS",
    "CheckpointError",
    "ConvNeXtPose",
    "Estimate",
    "Variant",
    "build_model",
    "detect_variant",
    "deterministic_state_dict",
    "init_deterministic",
    "estimate",
    "filter_state_dict",
    "find_checkpoint",
    "get_variant",
    "load_checkpoint",
    "read_state_dict",
    "soft_argmax",
    "weights_dir",
]
