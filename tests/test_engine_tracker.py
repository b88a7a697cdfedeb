"""The tracker alone: identity, lifecycle, de-duplication and next boxes, on skeletons it is handed."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from pose.detect import Detection, Detections
from pose.engine.people import People
from pose.engine.pose_models import PoseEstimate
from pose.engine.track import TrackState
from pose.engine.tracker import MIN_SURE_JOINTS, Tracker


def _estimate(box, presence: float) -> PoseEstimate:
    """A skeleton spread over ``box`` (x, y, w, h), as sure as ``presence``."""
    x, y, w, h = box
    grid = np.linspace(0.1, 0.9, 18)
    keypoints_2d = np.stack([x + w * grid, y + h * grid], axis=1)
    keypoints_3d = np.c_[keypoints_2d, np.full(18, 3000.0)]
    return PoseEstimate(keypoints_2d, keypoints_3d, np.full(18, presence), presence)


def _step(tracker, boxes, presence, *, detected, t_s, confirm=None, seen_on=None):
    detections = Detections.from_list(Detection(np.array(b, float), 0.9) for b in boxes) if detected else None
    candidates = tracker.candidates(detections, confirm, seen_on)
    estimates = [_estimate(c.bbox_xywh, presence) for c in candidates]
    return tracker.update(candidates, estimates, detected=detected, t_s=t_s, image_size=(640, 480))


def test_people_keep_their_ids_as_they_move_and_sure_skeletons_steer_the_boxes():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    people = _step(tracker, [(10, 10, 100, 200), (300, 10, 100, 200)], 0.9, detected=True, t_s=0.0)
    assert [p.track_id for p in people] == [1, 2]
    for i in range(1, 10):  # no detection: the boxes follow the skeletons, which drift right
        for track in tracker.tracks:
            track.bbox_xywh = track.bbox_xywh + [3, 0, 0, 0]
        people = _step(tracker, [], 0.9, detected=False, t_s=i / 30)
    assert [p.track_id for p in people] == [1, 2]
    assert people[0].bbox_xywh[0] < people[1].bbox_xywh[0]


def test_an_unsure_track_stays_only_while_something_vouches_for_it():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    assert len(_step(tracker, [(10, 10, 100, 200)], 0.1, detected=True, t_s=0.0)) == 1
    confirmed = _step(tracker, [], 0.1, detected=False, t_s=0.1, confirm=lambda regions: [None] * len(regions))
    assert confirmed == [] and tracker.lost_sight  # the confirmer saw nobody: hidden, and the detector is due
    assert tracker.tracks and not tracker.tracks[0].shown and tracker.tracks[0].state is TrackState.LOST
    for i in range(4):  # the detector misses it: the track ends after max_missed_detections misses
        _step(tracker, [], 0.1, detected=True, t_s=0.2 + i / 10)
    assert tracker.tracks == []


def test_a_sure_track_is_bridged_for_one_unsure_frame_and_then_needs_a_detection():
    """A skeleton whose confidence dips under the cut for a frame does not make its person blink out; a second
    unsure frame with nobody found there hides them."""
    tracker = Tracker(max_people=10, min_track_confidence=0.5, max_missed_detections=3, smoothing=False)
    _step(tracker, [(10, 10, 100, 200)], 0.8, detected=True, t_s=0.0)
    # the next detection misses the half-hidden person, whose sure skeleton keeps them: nothing vouches now
    assert [p.track_id for p in _step(tracker, [], 0.8, detected=True, t_s=0.1)] == [1]
    bridged = _step(tracker, [], 0.45, detected=False, t_s=0.2)
    assert [p.track_id for p in bridged] == [1] and not tracker.all_sure  # shown, and the detector is due
    assert _step(tracker, [], 0.45, detected=False, t_s=0.3) == [] and tracker.lost_sight
    found_again = _step(tracker, [(12, 10, 100, 200)], 0.45, detected=True, t_s=0.4)
    assert [p.track_id for p in found_again] == [1]  # the detector found them: same id


def test_a_trained_models_person_is_shown_only_with_joints_sure_enough_to_draw():
    """Every person counted is drawn: found by the detector, a skeleton sure of fewer than MIN_SURE_JOINTS joints
    (a late detection's box its person has left) is nobody on this frame, and starts no track; with untrained
    weights (the rule off), the same skeleton is shown as found."""
    box = (10, 10, 100, 200)

    def found(tracker, sure_joints):
        candidates = tracker.candidates(Detections.from_list([Detection(np.array(box, float), 0.9)]), None)
        confidence = np.where(np.arange(18) < sure_joints, 0.9, 0.3)
        estimates = [replace(_estimate(c.bbox_xywh, 0.9), confidence=confidence) for c in candidates]
        return tracker.update(candidates, estimates, detected=True, t_s=0.0, image_size=(640, 480))

    def tracker(min_sure_joints):
        return Tracker(10, 0.5, 3, smoothing=False, min_sure_joints=min_sure_joints)

    trained = tracker(MIN_SURE_JOINTS)
    assert found(trained, MIN_SURE_JOINTS - 1) == [] and trained.tracks == []
    assert len(found(trained, MIN_SURE_JOINTS)) == 1
    assert len(found(tracker(0), 0)) == 1


def test_two_tracks_on_one_person_keep_the_older_id():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    _step(tracker, [(100, 100, 100, 200)], 0.9, detected=True, t_s=0.0)
    people = _step(tracker, [(100, 100, 100, 200), (400, 100, 100, 200)], 0.9, detected=True, t_s=0.1)
    assert [p.track_id for p in people] == [1, 2]
    tracker.tracks[1].bbox_xywh = np.array([104.0, 100.0, 100.0, 200.0])  # the second drifts onto the first
    people = _step(tracker, [], 0.9, detected=False, t_s=0.2)
    assert [p.track_id for p in people] == [1]


def test_max_people_caps_new_tracks():
    tracker = Tracker(max_people=1, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    people = _step(tracker, [(10, 10, 100, 200), (300, 10, 50, 100)], 0.9, detected=True, t_s=0.0)
    assert len(people) == 1 and people[0].bbox_xywh[0] == 10


def test_people_are_arrays_with_person_views():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    people = People.from_persons(_step(tracker, [(300, 10, 100, 200), (10, 10, 100, 200)], 0.9, detected=True, t_s=0))
    assert people.keypoints_2d.shape == (2, 18, 2) and people.keypoints_3d.shape == (2, 18, 3)
    assert people.confidence.shape == (2, 18) and people.track_id.tolist() == [1, 2]
    assert len(people) == 2 and people and people[1].track_id == 2 and [p.track_id for p in people] == [1, 2]
    np.testing.assert_allclose(people.keypoints_rel[:, 0], 0.0)
    assert People.empty() == () and not People.empty() and len(People.empty()) == 0


def test_an_earlier_frames_detection_vouches_for_the_track_that_has_moved_on():
    """A worker's detection of frame 0 comes back on frame 10, when the person has walked 150 px on: it is
    their track's, not a new person where they were."""
    tracker = Tracker(max_people=10, min_track_confidence=0.95, max_missed_detections=3, smoothing=False)
    _step(tracker, [(10, 10, 100, 200)], 0.9, detected=True, t_s=0.0)
    for i in range(1, 10):
        tracker.tracks[0].bbox_xywh = tracker.tracks[0].bbox_xywh + [15, 0, 0, 0]
        _step(tracker, [], 0.9, detected=False, t_s=i / 30)
    people = _step(tracker, [(10, 10, 100, 200), (400, 10, 100, 200)], 0.5, detected=True, t_s=10 / 30, seen_on=0)
    assert [p.track_id for p in people] == [1, 2]  # the walker, still vouched for, and a new person
    assert people[0].bbox_xywh[0] == 10 + 15 * 9  # where the track is now, not where it was on frame 0
    assert tracker.tracks[0].vouched
    # Taken as this frame's, the same detections would have made the walker a new person where they were.
    again = Tracker(max_people=10, min_track_confidence=0.95, max_missed_detections=3, smoothing=False)
    _step(again, [(145, 10, 100, 200)], 0.9, detected=True, t_s=0.0)
    assert len(_step(again, [(10, 10, 100, 200)], 0.5, detected=True, t_s=0.1)) == 2


def test_a_track_on_another_ones_legs_is_dropped_whichever_is_older():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    _step(tracker, [(300, 180, 80, 170)], 0.9, detected=True, t_s=0.0)  # the legs came first
    people = _step(tracker, [(300, 180, 80, 170), (280, 30, 110, 330)], 0.9, detected=True, t_s=0.1)
    assert [p.track_id for p in people] == [2] and len(tracker.tracks) == 1


def test_a_newcomer_within_a_person_waits_for_a_second_detection_and_a_ghost_is_dropped():
    """A torso taken for one more person (its box 0.15 of the person's height down, 0.71 of it tall) is not
    shown on the detection that found it; the detector looks again on the next frame and, not finding it, it is
    gone. A real person inside another's box is found again and shown from then on."""
    whole, torso = (100, 100, 100, 200), (110, 130, 80, 142)
    for found_again, shown in ((False, [1]), (True, [1, 2])):
        tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
        _step(tracker, [whole], 0.9, detected=True, t_s=0.0)
        assert [p.track_id for p in _step(tracker, [whole, torso], 0.9, detected=True, t_s=0.1)] == [1]
        assert tracker.lost_sight and tracker.shown == 1  # the detector is due on the next frame
        again = [whole, torso] if found_again else [whole]
        assert [p.track_id for p in _step(tracker, again, 0.9, detected=True, t_s=0.2)] == shown
        assert [t.track_id for t in tracker.tracks] == shown and not tracker.lost_sight


def test_a_part_found_with_its_person_on_the_first_detection_waits_too():
    """Nobody followed yet, and the detection that first finds the person also gives their torso: the torso is
    held back like any newcomer within another's box, and gone when the next detection does not find it."""
    whole, torso = (100, 100, 100, 200), (110, 130, 80, 142)
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    assert [p.track_id for p in _step(tracker, [whole, torso], 0.9, detected=True, t_s=0.0)] == [1]
    assert [p.track_id for p in _step(tracker, [whole], 0.9, detected=True, t_s=0.1)] == [1]
    assert [t.track_id for t in tracker.tracks] == [1]


def test_ids_count_the_people_shown_without_the_gaps_of_newcomers_never_shown():
    """A tentative newcomer takes an id only when it is confirmed (supervision's ByteTrack gives its external ids
    so): a ghost dropped unshown leaves no gap, and a newcomer confirmed takes the next id then."""
    whole, torso, other = (100, 100, 100, 200), (110, 130, 80, 142), (400, 100, 100, 200)
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    _step(tracker, [whole, torso], 0.9, detected=True, t_s=0.0)  # the torso waits, unshown
    assert [p.track_id for p in _step(tracker, [whole, other], 0.9, detected=True, t_s=0.1)] == [1, 2]
    _step(tracker, [whole, other, torso], 0.9, detected=True, t_s=0.2)  # a newcomer within the first, waiting
    people = _step(tracker, [whole, other, torso], 0.9, detected=True, t_s=0.3)
    assert [p.track_id for p in people] == [1, 2, 3]  # found again: shown, with the next id

    # a newcomer dropped as another's duplicate on the frame it came takes no id either
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False,
                      doubt_newcomers=False)  # fmt: skip
    _step(tracker, [whole], 0.9, detected=True, t_s=0.0)
    assert [p.track_id for p in _step(tracker, [whole, (105, 100, 100, 200)], 0.9, detected=True, t_s=0.1)] == [1]
    assert tracker.duplicates_dropped == 1
    assert [p.track_id for p in _step(tracker, [whole, other], 0.9, detected=True, t_s=0.2)] == [1, 2]


def test_of_two_tracks_on_one_person_the_one_shown_first_keeps_them():
    """A newcomer held back within a person, and a second view of it that came a frame later and was shown at
    once: when the first is found again they are one person, and the id the user has seen stays."""
    whole, held, seen_first = (100, 100, 200, 400), (200, 150, 120, 250), (215, 150, 120, 250)
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False)
    for t_s in (0.0, 0.1, 0.2):
        people = _step(tracker, [whole, held, seen_first], 0.9, detected=True, t_s=t_s)
        assert [(p.track_id, p.bbox_xywh[0]) for p in people] == [(1, 100), (2, 215)]


def test_unrelated_images_show_a_person_within_another_at_once():
    tracker = Tracker(max_people=10, min_track_confidence=0.3, max_missed_detections=3, smoothing=False,
                      doubt_newcomers=False)  # fmt: skip
    people = _step(tracker, [(100, 100, 100, 200), (110, 130, 80, 142)], 0.9, detected=True, t_s=0.0)
    assert [p.track_id for p in people] == [1, 2]


def test_a_track_out_of_sight_is_looked_for_where_an_earlier_frames_detection_found_its_person():
    """A fast person leaves their region between two frames (the Live page drops frames behind a slow model):
    their track goes out of sight. A worker's answer, found on a later frame than the one they were lost on,
    matches the track; the track is looked for where the answer found them, not where it lost them."""
    tracker = Tracker(max_people=10, min_track_confidence=0.95, max_missed_detections=3, smoothing=False)
    _step(tracker, [(10, 10, 100, 200)], 0.5, detected=True, t_s=0.0)
    nobody = lambda regions: [None] * len(regions)  # noqa: E731
    assert _step(tracker, [], 0.5, detected=False, t_s=0.04, confirm=nobody) == []  # out of sight
    assert not tracker.tracks[0].shown
    _step(tracker, [], 0.5, detected=False, t_s=0.08, confirm=nobody)
    people = _step(tracker, [(60, 10, 100, 200)], 0.5, detected=True, t_s=0.12, seen_on=1)
    assert [p.track_id for p in people] == [1]  # the same person, not a new one beside their lost track
    assert people[0].bbox_xywh[0] == 60  # where the answer found them


def test_the_boxes_offered_are_one_detections_with_the_tracker_s_columns():
    """Detector -> tracker -> pose model: the tracker hands the pose model a Detections whose rows are the
    detector's people (no track's: TRACKER_NONE, found) and the tracks it did not find (their ids, found only where
    something saw them on this frame), each row with its region's extras."""
    from pose.detect.detections import TRACKER_NONE

    tracker = Tracker(max_people=10, min_track_confidence=0.5, max_missed_detections=3, smoothing=False)
    _step(tracker, [(10, 10, 100, 200), (300, 10, 100, 200)], 0.8, detected=True, t_s=0.0)
    keypoints = np.array([[60.0, 150.0], [60.0, 60.0]])
    tracker.tracks[0].region = Detection(np.array([10.0, 10, 100, 200]), 0.8, keypoints_px=keypoints)
    newcomer = Detections.from_list([Detection(np.array([500.0, 10, 100, 200]), 0.9)])
    offered = tracker.candidates(newcomer, None)
    assert offered.data["tracker_id"].tolist() == [TRACKER_NONE, 1, 2]  # the new person first, then the tracks
    assert offered.data["found"].tolist() == [True, False, False]
    np.testing.assert_array_equal(offered[1].keypoints_px, keypoints)  # the region that places the crop
    assert offered[2].keypoints_px is None and offered.score[0] == 0.9
    confirmed = tracker.candidates(None, lambda regions: [None] * len(regions))
    assert confirmed.data["tracker_id"].tolist() == [1, 2] and not confirmed.data["found"].any()  # sure: kept


def test_a_sure_track_s_own_box_counts_on_an_unsure_frame_by_its_id():
    """The id column ties a box to the track that offered it: a sure track's box counts on a frame its skeleton
    dips under the cut (bridged); the same box offered under no sure track's id does not."""

    def unsure_frame(relabel: bool) -> list:
        tracker = Tracker(max_people=10, min_track_confidence=0.5, max_missed_detections=3, smoothing=False)
        _step(tracker, [(10, 10, 100, 200)], 0.8, detected=True, t_s=0.0)
        _step(tracker, [], 0.8, detected=True, t_s=0.1)  # missed by the detector, kept by the sure skeleton
        offered = tracker.candidates(None, None)
        assert not offered.data["found"].any()  # nothing saw them on this frame
        if relabel:
            offered = Detections(offered.bbox_xywh, offered.score, {**offered.data, "tracker_id": np.array([7])})
        unsure = [_estimate(row.bbox_xywh, 0.45) for row in offered]
        return tracker.update(offered, unsure, detected=False, t_s=0.2, image_size=(640, 480))

    assert [p.track_id for p in unsure_frame(relabel=False)] == [1]
    assert unsure_frame(relabel=True) == []


def test_an_earlier_frame_s_people_are_offered_under_the_ids_of_the_tracks_they_match():
    """With detection on a worker: a person found on an earlier frame vouches for their track (its id, found); one
    who matches no track is new (TRACKER_NONE)."""
    from pose.detect.detections import TRACKER_NONE

    tracker = Tracker(max_people=10, min_track_confidence=0.5, max_missed_detections=3, smoothing=False)
    _step(tracker, [(10, 10, 100, 200)], 0.8, detected=True, t_s=0.0)
    _step(tracker, [], 0.8, detected=False, t_s=0.1)
    earlier = Detections.from_list(Detection(np.array(b, float), 0.9) for b in [(12, 10, 100, 200), (400, 10, 90, 180)])
    offered = tracker.candidates(earlier, None, seen_on=0)
    assert offered.data["tracker_id"].tolist() == [1, TRACKER_NONE] and offered.data["found"].tolist() == [True, True]
