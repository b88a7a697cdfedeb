"""The coach on a live source: every frame scored against the reference, repetitions counted, holds timed,
the session logged, and the frame drawn with each limb coloured by its error.

:class:`CoachProcessor` is what a frame callback calls, like
:class:`~pose.live.LiveProcessor` (which it wraps for estimation, FPS and
drops). It is thread-safe: the callback thread calls
:meth:`~CoachProcessor.process`; the page calls :meth:`~CoachProcessor.configure`,
:meth:`~CoachProcessor.stats` and :meth:`~CoachProcessor.session_csv`.
It knows nothing of Streamlit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from ..draw import DrawOptions
from ..engine.estimator import Person, PoseEstimator
from ..live import LiveProcessor, LiveStats
from .counters import HoldTimer, RepCounter
from .exercises import get_exercise
from .reference import pick_person
from .render import draw_banner, draw_limb_errors
from .score import PoseScore, align_reference, score_pose
from .session import SessionLog

__all__ = ["CoachStats", "CoachProcessor"]

_NO_OVERLAY = DrawOptions(skeleton=False, joints=False, box=False, label=False)


@dataclass(frozen=True)
class CoachStats:
    """A snapshot of the coach's readouts.

    Attributes:
        live: the estimator's readouts (FPS, drops, the newest result).
        score: the newest frame's score, or None (no reference, nobody in view, nothing confident).
        hold_s: seconds the score has stayed at or above the hold threshold.
        best_hold_s: the longest hold of the session.
        repetitions: repetitions counted of ``exercise``.
        exercise: the exercise counted, or None.
        exercise_angle_deg: its driving angle in the newest frame, or None.
        person: the person followed in the newest frame (the largest, most central), or None.
        people_in_view: how many people the newest frame had.
        reference_aligned: (18, 3) mm, the reference turned and scaled onto ``person``, or None.
        logged_rows: rows in the session log.
    """

    live: LiveStats
    score: PoseScore | None = None
    hold_s: float = 0.0
    best_hold_s: float = 0.0
    repetitions: int = 0
    exercise: str | None = None
    exercise_angle_deg: float | None = None
    person: Person | None = None
    people_in_view: int = 0
    reference_aligned: np.ndarray | None = None
    logged_rows: int = 0


class CoachProcessor:
    """Scores, counts and times one person on a live source against a reference pose.

    Args:
        estimator: the pose estimator for the live frames.
        hold_threshold: the score a hold must stay at or above.
    """

    def __init__(self, estimator: PoseEstimator, hold_threshold: float = 80.0) -> None:
        self.live = LiveProcessor([estimator], _NO_OVERLAY)
        self.estimator = estimator
        self._lock = threading.Lock()
        self._reference: Person | None = None
        self._mirror = False
        self._counter: RepCounter | None = None
        self._timer = HoldTimer(hold_threshold)
        self._log = SessionLog()
        self._latest: dict = {}

    # --- the page's side -------------------------------------------------------------------------

    def configure(
        self,
        *,
        reference: Person | None,
        exercise: str | None = None,
        mirror: bool = False,
        hold_threshold: float = 80.0,
    ) -> None:
        """Set what to coach; only what changed is reset (a new reference restarts the hold, a new exercise
        the count).

        Raises:
            ValueError: for an unknown exercise.
        """
        counter = None if exercise is None else RepCounter(get_exercise(exercise))
        with self._lock:
            if reference is not self._reference or mirror != self._mirror:
                self._reference, self._mirror = reference, mirror
                self._timer.reset()
            if (self._counter.exercise.name if self._counter else None) != exercise:
                self._counter = counter
            self._timer.threshold = hold_threshold

    def reset_session(self) -> None:
        """Start afresh: repetitions, holds and the log."""
        with self._lock:
            self._timer.reset()
            if self._counter is not None:
                self._counter.reset()
            self._log = SessionLog()
            self._latest = {}

    def stats(self) -> CoachStats:
        """A consistent snapshot of the readouts."""
        live = self.live.stats()
        with self._lock:
            return CoachStats(live=live, logged_rows=len(self._log), **self._latest)

    def session_csv(self) -> str:
        """The session so far as CSV (:data:`pose.coach.SESSION_COLUMNS`)."""
        with self._lock:
            return self._log.to_csv()

    # --- the callback's side ---------------------------------------------------------------------

    def process(self, frame_bgr: np.ndarray, timestamp_s: float | None = None, dropped_before: int = 0) -> np.ndarray:
        """Estimate, score, count and draw; returns an annotated copy of the frame. Never raises for a bad
        frame (the error is drawn on it and kept in :meth:`stats`)."""
        t_s = time.monotonic() if timestamp_s is None else float(timestamp_s)
        annotated = self.live.process(frame_bgr, t_s, dropped_before=dropped_before)
        live = self.live.stats()
        if live.error is not None or live.latest is None:
            return annotated
        result = live.latest
        person = pick_person(result.people, result.frame_size)
        with self._lock:
            reference, mirror, counter = self._reference, self._mirror, self._counter
            score = score_pose(reference, person, mirror=mirror) if reference is not None and person else None
            hold_s = self._timer.update(score.score if score else None, t_s)
            reps = counter.update(person, t_s) if counter else 0
            exercise = counter.exercise.name if counter else None
            self._log.add(t_s, score, hold_s, reps, exercise or "")
            self._latest = dict(
                score=score,
                hold_s=hold_s,
                best_hold_s=self._timer.best_s,
                repetitions=reps,
                exercise=exercise,
                exercise_angle_deg=counter.angle_deg if counter else None,
                person=person,
                people_in_view=len(result.people),
                reference_aligned=align_reference(reference, person, mirror=mirror) if score else None,
            )
        if person is not None:
            draw_limb_errors(annotated, person.keypoints_2d, score)
        draw_banner(annotated, self._banner(score, person, hold_s, reps, exercise, len(result.people)))
        return annotated

    @staticmethod
    def _banner(score, person, hold_s, reps, exercise, people) -> list[str]:
        if person is None:
            return ["no person in view"]
        lines = []
        if score is not None and score.score is not None:
            lines.append(f"score {score.score:.0f}   hold {hold_s:.1f} s")
        if exercise:
            lines.append(f"{exercise}: {reps}")
        if people > 1:
            lines.append(f"{people} people: coaching the largest")
        return lines or ["person in view"]

    def close(self) -> None:
        """Release the estimator."""
        self.live.close()
