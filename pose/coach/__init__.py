"""The coach, the paper's AR-fitness application: score a live pose against a reference, count repetitions,
time holds, log the session. ::

    result = pose.coach.score_pose(reference, live)   # two pose.Person
    result.score, result.worst_limb, result.limb_errors_deg["left_upper_arm"]
    reps = pose.coach.RepCounter("squat").update(person, t_s)

Rooms: ``score`` (comparing a pose with the reference), ``reference`` (the reference from a photo),
``counters`` (repetitions and holds), ``session`` (the session log), ``exercises`` (the exercise table),
``render`` (drawing), ``live`` (the frame processor the Coach page runs on the camera).
"""

from .counters import HoldTimer, RepCounter
from .exercises import EXERCISES, Exercise, get_exercise
from .reference import ReferencePick, decode_image, pick_person, pick_reference, whole_joints
from .score import LIMB_NAMES, LIMBS, Limb, PoseScore, align_reference, heading_rotation, mirror_keypoints, score_pose
from .session import SESSION_COLUMNS, SessionLog

__all__ = [
    "EXERCISES",
    "Exercise",
    "get_exercise",
    "Limb",
    "LIMBS",
    "LIMB_NAMES",
    "PoseScore",
    "score_pose",
    "heading_rotation",
    "mirror_keypoints",
    "align_reference",
    "pick_person",
    "ReferencePick",
    "pick_reference",
    "whole_joints",
    "decode_image",
    "RepCounter",
    "HoldTimer",
    "SessionLog",
    "SESSION_COLUMNS",
]
