"""People followed across frames: identity, lifecycle, de-duplication and where to look next.

Each frame the tracker offers the boxes to estimate as :class:`~pose.detect.Detections` with its own columns
(:meth:`Tracker.candidates`: the detector's people, when it ran, and the tracks it did not find; ``tracker_id``
says which track offered a box, ``found`` whether a person was seen there on this frame), then takes the
skeletons back (:meth:`Tracker.update`): matched to tracks by the Hungarian method (:func:`.matching.assign`), new
people started, each track's state moved on (:meth:`.track.Track.step`: tentative, confirmed, lost, removed), tracks on
another's person dropped (:func:`pose.identity.one_each`), and each track's next box placed from its skeleton
when the model is sure of it.

A track the model is unsure of (untrained weights, always) only stays where something vouches for it: the
detector found it on this frame, the confirmer (BlazePose's landmark model in its region) did, or, with
detection on a worker, the worker's newest result did. So a person who leaves is gone within a frame or two,
and one missed detection does not cost a person their id. A trained model's skeleton is a sighting only where
it is sure of :data:`MIN_SURE_JOINTS` joints: a person shown always has joints to draw.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from ..detect import Detection, Detections, landmarks_box
from ..detect.detections import TRACKER_COLUMNS, TRACKER_NONE
from ..geometry import box_iou
from ..identity import RULES, one_each, within_another
from ..skeleton import ROOT
from .matching import MIN_IOU, assign
from .people import Person
from .pose_models import PoseEstimate
from .track import Track, TrackState

__all__ = ["MIN_SURE_JOINTS", "Track", "TrackState", "Tracker"]

log = logging.getLogger(__name__)

# A box steered by a sure skeleton shrinks to at most this share of the box the skeleton was found in, per
# frame (see _held_size): a person sitting down shrinks 3% a frame at 30 fps; a skeleton cut off by its crop,
# 5-10%, every frame, until the person is lost.
MAX_SHRINK = 0.97

# A trained model's skeleton is a sighting of a person only where the model is sure of at least this many of its
# joints (at the tracker's cut, which is the overlay's): fewer would draw a dot or a bone, and a person counted must
# be drawn. ConvNeXtPose gives a skeleton for any box, so a box its person has left (a worker's answer about an
# earlier frame) otherwise showed nobody as somebody. Margin: the trained XS's people found on the annotated
# photos are sure of 4 joints or more (docs/benchmarks.md, "a person counted is a person drawn"). Untrained
# weights are sure of no joint: the rule is off for them.
MIN_SURE_JOINTS = 3

# Regions -> per region the confirmer's finding (a Detection with landmarks), or None where nobody is there.
Confirm = Callable[[Sequence[Detection]], Sequence[Detection | None]]


# A box to estimate: where, the region that places the landmark model's crop there (the detector's or the
# confirmer's finding, with the landmarks found on this very frame, or the region the track carries; None: the box
# alone), the id of the track that offers it (TRACKER_NONE: a person the detector found whom no track claims), and
# whether a person was seen there on this frame.
_Offer = tuple[np.ndarray, "Detection | None", int, bool]


def _offered(offers: Sequence[_Offer]) -> Detections:
    """The boxes to estimate as one Detections: each offer's box, its region's score and extras (a box alone
    scores 1), and the tracker's columns (:data:`pose.detect.detections.TRACKER_COLUMNS`).

    A region's alignment keypoints are kept to the first two where detector and track regions meet (four and
    two): they place the landmark model's crop (:func:`pose.detect.ssd.body_roi`), the rest is never read."""
    regions = Detections.from_list(
        region if region is not None else Detection(box, 1.0) for box, region, _, _ in offers
    )
    columns = {
        "tracker_id": np.array([track_id for _, _, track_id, _ in offers], dtype=np.int64),
        "found": np.array([found for *_, found in offers], dtype=bool),
    }
    boxes = np.array([np.asarray(box, dtype=np.float64) for box, *_ in offers]).reshape(-1, 4)
    return Detections(boxes, regions.score, {**regions.data, **columns})


def _region_only(region: Detection | None) -> Detection | None:
    """The region without the landmarks of the frame it was found on (they are not this frame's)."""
    if region is None:
        return None
    return Detection(region.bbox_xywh, region.score, keypoints_px=region.keypoints_px)


class Tracker:
    """Identity and lifecycle of the people in view.

    Args:
        max_people: at most this many tracks; new people beyond it are ignored (the detector gives the
            largest first).
        min_track_confidence: a skeleton at least this sure of its person (mean joint confidence, or
            BlazePose's presence) steers its next box and needs nobody to vouch for it.
        max_missed_detections: detector runs in a row that may miss a track before it ends (meanwhile it
            is hidden).
        smoothing: One-Euro filtering of each track's keypoints.
        doubt_newcomers: hold back a newcomer within another person's box until a second detection
            (:func:`pose.identity.within_another`); off for unrelated images, where there is no second detection.
        min_sure_joints: a skeleton is seen only where at least this many of its joints reach
            ``min_track_confidence`` (:data:`MIN_SURE_JOINTS` for trained weights; 0: any skeleton).
    """

    def __init__(
        self, max_people: int, min_track_confidence: float, max_missed_detections: int, smoothing: bool,
        doubt_newcomers: bool = True, min_sure_joints: int = 0,
    ) -> None:  # fmt: skip
        self.doubt_newcomers = doubt_newcomers
        self.min_sure_joints = min_sure_joints
        self.max_people = max_people
        self.min_track_confidence = min_track_confidence
        self.max_missed_detections = max_missed_detections
        self.smoothing = smoothing
        self.reset()

    def scale(self, sx: float, sy: float) -> None:
        """Follow the same view at another resolution (a WebRTC encoder scales the video down when it runs short
        of CPU or bandwidth, and up again): every track's boxes, keypoints and region into the new frame's pixels,
        ``sx`` and ``sy`` times as wide and tall, so that each stays on its person with their id."""
        for track in self.tracks:
            track.scale(sx, sy)

    def reset(self) -> None:
        """Forget every track; ids start again at 1."""
        self.tracks: list[Track] = []
        self._ids = itertools.count(1)  # tracks' own, in the order they start (the tracker's keys)
        # The ids people are shown with, given as each is first shown (supervision's ByteTrack gives its external
        # ids so): a newcomer never shown (held back, then dropped; dropped as a duplicate) takes none, so the ids
        # a user sees count 1, 2, 3 without gaps.
        self._shown_ids = itertools.count(1)
        self.frame = 0  # the coming frame's index: frames updated since the reset
        self.duplicates_dropped = 0  # tracks the last frame dropped as another's duplicates
        # a shown track went unseen on the last frame, or a newcomer waits for a second look: the detector should look
        self.lost_sight = False

    @property
    def shown(self) -> int:
        """How many people the last frame showed."""
        return sum(t.shown for t in self.tracks)  # a tentative newcomer is not shown

    @property
    def all_sure(self) -> bool:
        return all(t.confident for t in self.tracks)

    # --- before estimation -----------------------------------------------------------------------

    def candidates(
        self, detections: Detections | None, confirm: Confirm | None, seen_on: int | None = None
    ) -> Detections:
        """The boxes to estimate, with the tracker's columns (``tracker_id``, ``found``): the detector's people
        (when it ran: ``detections``) and the tracks it did not find; a track the model is unsure of is confirmed
        by ``confirm`` where given.

        ``seen_on``: the frame the detections were found on, where it is an earlier one (a worker's). They
        are then matched to the tracks as they were on that frame (:func:`.matching.assign` on boxes), and a
        person found vouches for their track, which stays where it is now (a track out of sight goes where the
        person was found); only people who match no track are new. Taken as this frame's, a person who had
        since moved was a new person beside their own track (two people for a frame or more: the generated clip
        on the Live page, detection 0.2-0.3 s behind).
        """
        if detections is not None and seen_on is not None and seen_on < self.frame:
            return self._vouched(detections, seen_on)
        if detections is None:
            tracks = self.tracks
            found = []
        else:
            found_boxes = detections.bbox_xywh
            tracks = [
                t for t in self.tracks if not len(found_boxes) or box_iou([t.bbox_xywh], found_boxes).max() < MIN_IOU
            ]
            found = [(d.bbox_xywh, d, TRACKER_NONE, True) for d in detections]
            if confirm is None:  # bridged where it was: when sure, or once in a row
                tracks = [t for t in tracks if t.confident or t.missed == 0]
        if confirm is not None:
            return _offered(found + self._confirmed(tracks, confirm))
        bridged = [(t.bbox_xywh, t.region, t.track_id, t.vouched and detections is None) for t in tracks]
        return _offered(found + bridged)

    def _vouched(self, detections: Detections, seen_on: int) -> Detections:
        """An earlier frame's people (see :meth:`candidates`): the tracks, each found where a person matched
        it on that frame (one out of sight, at that person's box and region), and the people who matched no
        track."""
        boxes = detections.bbox_xywh
        then = np.array([t.box_on(seen_on) for t in self.tracks]).reshape(-1, 4)
        pairs = assign(then, [None] * len(self.tracks), boxes, [None] * len(boxes))
        found_tracks = dict(pairs)
        matched = set(found_tracks.values())
        kept = []
        for i, t in enumerate(self.tracks):
            if (j := found_tracks.get(i)) is not None and not t.shown:
                # Out of sight: looked for where the answer found the person, not where it lost them. A fast or
                # small person lost between two frames the page processed (it drops frames behind a slow model)
                # was otherwise looked for in their old region answer after answer, and stayed lost.
                kept.append((boxes[j], _region_only(detections[j]), t.track_id, True))
            elif j is not None or t.confident or t.missed == 0:
                kept.append((t.bbox_xywh, t.region, t.track_id, j is not None))
        new = [(boxes[j], d, TRACKER_NONE, True) for j, d in enumerate(detections) if j not in matched]
        return _offered(kept + new)

    def _confirmed(self, tracks: Sequence[Track], confirm: Confirm) -> list[_Offer]:
        """Sure tracks stay where they are; unsure ones shown on the last frame are looked for in their region
        (gone where the confirmer sees nobody); unsure hidden ones are left to the detector.

        Looked for in its old region frame after frame, a hidden track came back on an empty floor (pose
        flag 0.84 for a face at the frame's bottom edge, on pose.measure.tracking_eval's grey clip).
        """
        unsure = [t for t in tracks if not t.confident and t.shown]
        regions = [
            Detection(t.bbox_xywh, 1.0, keypoints_px=None if t.region is None else t.region.keypoints_px)
            for t in unsure
        ]
        answers = dict(zip((t.track_id for t in unsure), confirm(regions) if regions else ()))
        kept = []
        for track in tracks:
            if track.confident:
                kept.append((track.bbox_xywh, track.region, track.track_id, False))
            elif (answer := answers.get(track.track_id)) is not None:
                kept.append((np.asarray(answer.bbox_xywh, dtype=np.float64), answer, track.track_id, True))
        return kept

    # --- after estimation ------------------------------------------------------------------------

    def update(
        self,
        candidates: Detections,
        estimates: Sequence[PoseEstimate | None],
        *,
        detected: bool,
        t_s: float,
        image_size: tuple[int, int],
    ) -> list[Person]:
        """Match this frame's skeletons to the tracks; start, steer, hide and end tracks; return the people,
        ordered by track id.

        Args:
            candidates: what :meth:`candidates` offered, with its columns.
            estimates: one per candidate (None where its box had no area).
            detected: whether the detector's people are among the candidates (new tracks start only then).
            t_s: the frame's time in seconds (smoothing).
            image_size: (width, height).
        """
        # A box counts when a person was found there, on a detection frame (a track's one bridged miss), when
        # the skeleton in it is sure, or for one frame after its track's last sure skeleton. Without that frame a
        # person whose skeleton's mean confidence hovers at the cut (a player half hidden by another, 0.51-0.59
        # for ten frames) vanished for a frame each time it dipped under, and came back on the next detection.
        # Whichever, a trained model's skeleton must have joints to draw (_drawable).
        if not all(name in candidates.data for name in TRACKER_COLUMNS):
            raise ValueError(f"update takes what candidates offered, with its columns {sorted(TRACKER_COLUMNS)}")
        found, offered_by = candidates.data["found"], candidates.data["tracker_id"]
        sure_tracks = {t.track_id for t in self.tracks if t.confident}
        entries = [
            (candidates[j], bool(found[j]), est)
            for j, est in enumerate(estimates)
            if est is not None
            and (found[j] or detected or offered_by[j] in sure_tracks or est.presence >= self.min_track_confidence)
            and self._drawable(est)
        ]
        pairs = assign(
            np.array([t.bbox_xywh for t in self.tracks]).reshape(-1, 4),
            [t.keypoints_2d for t in self.tracks],
            np.array([cand.bbox_xywh for cand, _, _ in entries]).reshape(-1, 4),
            [est.keypoints_2d for _, _, est in entries],
        )
        matched = {i for i, _ in pairs}
        used = {j for _, j in pairs}
        updates = []
        for i, j in pairs:
            cand, seen_here, est = entries[j]
            self.tracks[i].step(
                seen=True,
                found=seen_here,
                detected=detected,
                max_missed=self.max_missed_detections,
                sure=est.presence >= self.min_track_confidence,
            )
            updates.append((self.tracks[i], cand, est))
        updates = [(track, cand, est) for track, cand, est in updates if track.state is not TrackState.REMOVED]
        survivors = [track for track, _, _ in updates]
        self.lost_sight = False
        for i, track in enumerate(self.tracks):
            if i in matched:
                continue
            self.lost_sight |= track.shown
            unseen = track.step(
                seen=False, found=False, detected=detected, max_missed=self.max_missed_detections, sure=False
            )
            if unseen is TrackState.REMOVED:
                log.debug("track %d ended", track.track_id)
                continue
            survivors.append(track)
        if detected:
            # Held against the people followed and the other newcomers: the first detection of a person can
            # bring a part of them too (the Live page's first-run test, under a CPU hog: a torso followed as a
            # second person for 5 s).
            newcomers = [(cand, est) for j, (cand, seen_here, est) in enumerate(entries) if seen_here and j not in used]
            seen = [cand.bbox_xywh for _, cand, _ in updates] + [cand.bbox_xywh for cand, _ in newcomers]
            for cand, est in newcomers:
                if len(survivors) < self.max_people:
                    doubtful = self.doubt_newcomers and within_another(cand.bbox_xywh, seen)
                    state = TrackState.TENTATIVE if doubtful else TrackState.CONFIRMED
                    sure = est.presence >= self.min_track_confidence
                    box = np.asarray(cand.bbox_xywh, dtype=np.float64)
                    track = Track(next(self._ids), box, state, confident=sure, vouched=True)  # found by this detection
                    survivors.append(track)
                    updates.append((track, cand, est))
        people = [self._advance(track, cand, est, t_s, image_size) for track, cand, est in updates]
        tentative = {t.track_id for t in survivors if t.state is TrackState.TENTATIVE}
        people = [p for p in people if p.track_id not in tentative]
        # Of two tracks on one person, the one shown first keeps it (the id the user knows), then the older.
        shown_before = {t.track_id: t.shown_id for t in survivors if t.shown_id is not None}
        people.sort(key=lambda p: (p.track_id not in shown_before, shown_before.get(p.track_id, 0), p.track_id))
        duplicates = self._duplicates(people)
        self.duplicates_dropped = len(duplicates)  # for measurements (pose.live.trace)
        self.tracks = sorted((t for t in survivors if t.track_id not in duplicates), key=lambda t: t.track_id)
        for track in self.tracks:
            if track.shown:
                track.history.append((self.frame, track.bbox_xywh))
                if track.shown_id is None:
                    track.shown_id = next(self._shown_ids)
        shown_ids = {t.track_id: t.shown_id for t in self.tracks}
        self.lost_sight |= bool(tentative)
        self.frame += 1
        people = [replace(p, track_id=shown_ids[p.track_id]) for p in people if p.track_id not in duplicates]
        return sorted(people, key=lambda p: p.track_id)

    def _drawable(self, est: PoseEstimate) -> bool:
        """Whether the skeleton has :attr:`min_sure_joints` joints to draw."""
        if not self.min_sure_joints:
            return True
        return int((np.asarray(est.confidence) >= self.min_track_confidence).sum()) >= self.min_sure_joints

    def _advance(self, track: Track, cand: Detection, est: PoseEstimate, t_s: float, image_size) -> Person:
        """Take this frame's skeleton into the track (its state is :meth:`Track.step`'s) and place its next box."""
        keypoints_2d, keypoints_3d = est.keypoints_2d, est.keypoints_3d
        if self.smoothing:
            keypoints_2d, keypoints_3d = track.smoother(keypoints_2d, keypoints_3d, t_s)
        track.keypoints_2d = keypoints_2d
        # Where to look next: the pose model's own region when it has one, else the region this box came from.
        track.region = _region_only(est.next_detection or cand)
        steered = None
        box = np.asarray(cand.bbox_xywh, dtype=np.float64)
        if track.confident:
            steered = est.next_detection.bbox_xywh if est.next_detection else landmarks_box(keypoints_2d, image_size)
            if steered is not None and est.next_detection is None:
                steered = _held_size(steered, box, image_size)
        track.bbox_xywh = steered if steered is not None else box
        return Person(
            box,
            keypoints_2d,
            keypoints_3d,
            keypoints_3d - keypoints_3d[ROOT],
            np.asarray(est.confidence),
            track.track_id,
        )

    @staticmethod
    def _duplicates(people: Sequence[Person]) -> set[int]:
        """Ids of tracks on another one's person (:func:`pose.identity.one_each` at ``track_overlap``, the earlier
        of ``people`` staying, except that a whole body takes the place of a track on a part of it): a detection
        beside a track it did not quite overlap, both then following the same body, or a region that held only a
        person's legs, which BlazePose's landmark model then follows as a whole short person."""
        kept = set(one_each([p.bbox_xywh for p in people], RULES.track_overlap))
        return {p.track_id for i, p in enumerate(people) if i not in kept}


def _held_size(steered_xywh: np.ndarray, box_xywh: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """The box around a skeleton, shrunk by at most :data:`MAX_SHRINK` of ``box_xywh`` (the box it was found in).

    A skeleton found in a box that cuts its person off lies inside that box, so a box drawn around it alone is
    smaller still, and the next crop cuts off more: frame by frame the box closes on part of the person, who is
    then lost and found again as a second person. Held to a bounded shrink, the next crop still shows the
    person whole, and a skeleton that really got smaller (a person walking away, sitting down) is followed
    within a few frames.
    """
    cx, cy = steered_xywh[:2] + steered_xywh[2:] / 2.0
    w, h = np.maximum(steered_xywh[2:], box_xywh[2:] * MAX_SHRINK)
    width, height = image_size
    x1, y1 = max(cx - w / 2.0, 0.0), max(cy - h / 2.0, 0.0)
    x2, y2 = min(cx + w / 2.0, width - 1.0), min(cy + h / 2.0, height - 1.0)
    return np.array([x1, y1, x2 - x1, y2 - y1])
