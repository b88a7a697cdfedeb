"""The coach's frame-by-frame counters: repetitions of an exercise (:class:`RepCounter`) and the seconds a
score is held (:class:`HoldTimer`). ::

    counter = RepCounter("squat")
    reps = counter.update(person, t_s)             # per frame
    held_s = HoldTimer(threshold=80).update(score, t_s)
"""

from __future__ import annotations

import logging
import math

import numpy as np

from ..angles import joint_angles
from ..engine.estimator import Person
from .exercises import Exercise, get_exercise
from .score import ANGLE_JOINTS, MIN_CONFIDENCE

__all__ = ["RepCounter", "HoldTimer"]

log = logging.getLogger(__name__)


class RepCounter:
    """Counts repetitions of an exercise from the driving joint angle, frame by frame.

    A repetition is counted when the angle, having been beyond the rest
    threshold, passes the turning threshold and comes back beyond the rest
    threshold, no faster than the exercise's ``min_rep_s``. Between the two
    thresholds nothing changes (hysteresis), so jitter around either one
    counts nothing. Frames whose driving joints are not confident are skipped.

    Args:
        exercise: a name in :data:`pose.coach.EXERCISES`, or an :class:`~pose.coach.Exercise`.
        min_confidence: joints below this do not drive the count.

    Raises:
        ValueError: for an unknown exercise.
    """

    def __init__(self, exercise: str | Exercise, min_confidence: float = MIN_CONFIDENCE) -> None:
        self.exercise = get_exercise(exercise)
        self.min_confidence = min_confidence
        self._joints = [ANGLE_JOINTS[name] for name in self.exercise.angles]
        self._combine = {"mean": np.nanmean, "min": np.nanmin, "max": np.nanmax}[self.exercise.combine]
        self.reset()

    def reset(self) -> None:
        """Back to zero, waiting for the rest position."""
        self.count = 0
        self.phase: str | None = None  # None (not yet at rest), "rest" or "turn"
        self.angle_deg: float | None = None
        self._left_rest_s: float | None = None

    def driving_angle(self, person: Person | None) -> float | None:
        """The exercise's angle in degrees for ``person``; None when its joints are not confident."""
        if person is None:
            return None
        angles = joint_angles(person.keypoints_rel)
        confidence = np.asarray(person.confidence)
        values = [
            float(angles[name]) if (confidence[joints] >= self.min_confidence).all() else math.nan
            for name, joints in zip(self.exercise.angles, self._joints)
        ]
        if not np.isfinite(values).any():
            return None
        return float(self._combine(values))

    def update(self, person: Person | None, t_s: float) -> int:
        """Take one frame's person (None when nobody is in view) at time ``t_s``; returns the repetitions so far."""
        angle = self.driving_angle(person)
        self.angle_deg = angle
        if angle is None:
            return self.count
        e = self.exercise
        sign = 1.0 if e.rest_is_high else -1.0  # compare as if rest were the high side
        at_rest, at_turn = sign * angle >= sign * e.rest_deg, sign * angle <= sign * e.turn_deg
        if at_rest:
            if self.phase == "turn" and self._left_rest_s is not None:
                if t_s - self._left_rest_s >= e.min_rep_s:
                    self.count += 1
                    log.debug("%s: repetition %d at %.2f s", e.name, self.count, t_s)
                else:
                    log.debug("%s: a repetition of %.2f s is too fast; ignored", e.name, t_s - self._left_rest_s)
            self.phase = "rest"
            self._left_rest_s = t_s  # the repetition starts when the angle last left rest
        elif at_turn and self.phase == "rest":
            self.phase = "turn"
        return self.count


class HoldTimer:
    """Seconds the score has stayed at or above a threshold.

    A dip shorter than ``grace_s`` (one bad frame) does not restart the hold.

    Args:
        threshold: the score to hold, 0-100.
        grace_s: how long the score may fall below the threshold without restarting the hold.
    """

    def __init__(self, threshold: float = 80.0, grace_s: float = 0.3) -> None:
        self.threshold = threshold
        self.grace_s = grace_s
        self.reset()

    def reset(self) -> None:
        self.held_s = 0.0
        self.best_s = 0.0
        self._since: float | None = None
        self._last_above: float | None = None

    def update(self, score: float | None, t_s: float) -> float:
        """Take one frame's score (None: nobody to score) at time ``t_s``; returns the seconds held so far."""
        if score is not None and score >= self.threshold:
            if self._since is None:
                self._since = t_s
            self._last_above = t_s
            self.held_s = t_s - self._since
            self.best_s = max(self.best_s, self.held_s)
        elif self._last_above is None or t_s - self._last_above > self.grace_s:
            self._since = self._last_above = None
            self.held_s = 0.0
        return self.held_s
