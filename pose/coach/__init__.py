"""The coach, the paper's AR-fitness application: score a live pose against a reference, count repetitions,
time holds, log the session. ::

    result = pose.coach.score_pose(reference, live)   # two pose.Person
    result.score, result.worst_limb, result.limb_errors_deg["left_upper_arm"]
    reps = pose.coach.RepCounter("squat").update(person, t_s)

Rooms: ``score`` (comparison, counting, timing), ``exercises`` (the exercise table), ``render`` (drawing),
``live`` (the frame processor the Coach page runs on the camera).
"""

from .exercises import EXERCISES, Exercise, get_exercise
from .score import (
    LIMB_NAMES,
    LIMBS,
    SESSION_COLUMNS,
    HoldTimer,
    Limb,
    PoseScore,
    ReferencePick,
    RepCounter,
    SessionLog,
    align_reference,
    decode_image,
    heading_rotation,
    mirror_keypoints,
    pick_person,
    pick_reference,
    score_pose,
)

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
    "decode_image",
    "RepCounter",
    "HoldTimer",
    "SessionLog",
    "SESSION_COLUMNS",
]
