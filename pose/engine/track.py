"""One person followed across frames: :class:`Track`, and its lifecycle as a :class:`TrackState` whose transitions
are all in :meth:`Track.step` (ByteTrack's ``TrackState``, with the newcomer rule of :mod:`pose.identity`)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from ..detect import Detection
from .smoothing import KeypointSmoother

__all__ = ["BOX_HISTORY", "Track", "TrackState"]

# Frames of box history a track keeps, so that a detection of an earlier frame (a worker's) is matched to the
# tracks as they were on that frame: 2 s at 30 fps, longer than a detection takes on a loaded 2-core machine.
BOX_HISTORY = 60


class TrackState(Enum):
    """Where a track is in its life.

    - ``TENTATIVE``: a newcomer within another person's box (:func:`pose.identity.within_another`): followed, not
      shown, until the next detection finds it again (then ``CONFIRMED``) or does not (then ``REMOVED``).
    - ``CONFIRMED``: in the last frame's people.
    - ``LOST``: unseen on the last frame, so hidden (never shown unseen: no ghosts); found again it is
      ``CONFIRMED`` with its id, missed by more than ``max_missed`` detections in a row it is ``REMOVED``.
    - ``REMOVED``: ended; the tracker drops it.
    """

    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    REMOVED = "removed"


@dataclass
class Track:
    """One person followed across frames.

    Attributes:
        track_id: its own, in the order tracks start (the tracker's key).
        shown_id: the id its person is shown with, given when first shown (None before): a newcomer never shown
            takes none (:class:`~pose.engine.tracker.Tracker`).
        state: its :class:`TrackState`, changed only by :meth:`step`.
        confident: its last skeleton was sure of its person (it steers the next box, and needs nobody to vouch).
        vouched: the newest detection found it (detection on a worker).
        missed: detector runs in a row that missed it.
        region: where the pose model looks for the person next (its keypoints place the landmark model's crop;
            without them, the track's box is looked at).
        history: (frame, box placed after it) of recent frames on which it was shown.
    """

    track_id: int
    bbox_xywh: np.ndarray
    state: TrackState = TrackState.CONFIRMED
    shown_id: int | None = None
    keypoints_2d: np.ndarray | None = None
    confident: bool = False
    vouched: bool = False
    missed: int = 0
    region: Detection | None = None
    smoother: KeypointSmoother = field(default_factory=KeypointSmoother)
    history: deque = field(default_factory=lambda: deque(maxlen=BOX_HISTORY))

    @property
    def shown(self) -> bool:
        """In the last frame's people (a hidden track is not confirmed in its old region)."""
        return self.state is TrackState.CONFIRMED

    def step(self, *, seen: bool, found: bool, detected: bool, max_missed: int, sure: bool) -> TrackState:
        """This frame's transition, the only place its state, ``missed``, ``vouched`` and ``confident`` change:
        ``seen`` (a skeleton of this frame matched it), ``found`` (the detector or the confirmer saw a person
        there), ``detected`` (the detector ran on this frame), ``sure`` (the skeleton seen was sure of its person;
        unseen, it is not).

        A tentative track is decided by the next detection: confirmed where it found the person, removed where it
        did not. Any other track seen is confirmed; unseen, it is lost, and removed once more than ``max_missed``
        detections in a row have missed it. A detection missing a track seen counts as a miss only where its
        skeleton was unsure (a sure skeleton is its own evidence). An unseen track is neither sure nor vouched for.
        """
        if seen:
            self.missed = self.missed + 1 if detected and not found and not sure else 0
            self.vouched = found if detected else self.vouched
            self.confident = sure
        else:
            self.confident = self.vouched = False
        if self.state is TrackState.TENTATIVE:
            if detected:
                self.state = TrackState.CONFIRMED if seen and found else TrackState.REMOVED
        elif seen:
            self.state = TrackState.CONFIRMED
        else:
            self.missed += detected
            self.state = TrackState.REMOVED if self.missed > max_missed else TrackState.LOST
        return self.state

    def scale(self, sx: float, sy: float) -> None:
        """Into the pixels of the frame resized by ``sx`` across and ``sy`` down: boxes, keypoints, region, past."""
        box = np.array([sx, sy, sx, sy])
        self.bbox_xywh = self.bbox_xywh * box
        if self.keypoints_2d is not None:
            self.keypoints_2d = self.keypoints_2d * np.array([sx, sy])
        if self.region is not None:
            self.region = self.region.scaled(sx, sy)
        self.smoother.scale_2d(sx, sy)
        self.history = deque(((seen, past * box) for seen, past in self.history), maxlen=self.history.maxlen)

    def box_on(self, frame: int) -> np.ndarray:
        """Where the track's person was about ``frame``: the box placed after that frame, or after the nearest
        later one it has (its first, for a track started since), or its box now."""
        for seen, box in self.history:
            if seen >= frame:
                return box
        return self.bbox_xywh
