"""The estimator on real footage (../shared/videos, as the Live page's camera shows it: 640x360, looping):
everyone in view is found on every frame, and nobody who is not there."""

from __future__ import annotations

import cv2
import pytest
from videos import clip_frames

import pose

# The people in view throughout the first frames of each clip (../shared/videos/README.md; checked by eye).
PEOPLE_IN_CLIP = {"two_people_courtyard.mp4": 2, "lateral_raise.mp4": 1}
FRAMES = 40  # the whole courtyard clip; 1.3 s of the lateral raise


@pytest.fixture(scope="module", params=sorted(PEOPLE_IN_CLIP), ids=lambda name: name.removesuffix(".mp4"))
def counts(request, shared_videos) -> tuple[int, list[int]]:
    """(people in the clip, people found per frame) for BlazePose, the Live page's default, on the clip played
    twice in a row as the browser's fake camera loops it."""
    frames = clip_frames(shared_videos / request.param, FRAMES)
    with pose.PoseEstimator("BlazePose") as estimator:
        return PEOPLE_IN_CLIP[request.param], [len(estimator.process(frame).people) for frame in frames * 2]


def test_everyone_in_view_is_found_on_every_frame(counts):
    people, found = counts
    assert min(found) >= people, f"people found per frame: {found}; {people} in the clip"


def test_nobody_else_is_found(counts):
    people, found = counts
    assert max(found) <= people, f"people found per frame: {found}; {people} in the clip"


@pytest.mark.parametrize("async_detection", [False, True], ids=["detection-on-the-frame", "detection-on-a-worker"])
def test_a_stream_that_changes_resolution_keeps_its_people_and_their_ids(shared_videos, async_detection):
    """A WebRTC encoder short of CPU scales the video down and then up again (the Live page's server got 240x426
    frames of a 360x640 camera): the people followed stay on their people, with their ids, in either size."""
    frames = clip_frames(shared_videos / "two_people_courtyard.mp4", FRAMES)
    height, width = frames[0].shape[:2]
    smaller = [cv2.resize(frame, (width * 2 // 3, height * 2 // 3), interpolation=cv2.INTER_AREA) for frame in frames]
    stream = frames[:10] + smaller + frames  # the full size, two thirds of it for the whole clip, the full size again
    with pose.PoseEstimator("BlazePose", async_detection=async_detection) as estimator:
        results = []
        for frame in stream:
            results.append(estimator.process(frame))
            if async_detection:  # the worker answers every frame, as deterministic as on the frame path
                estimator.worker.wait_idle(timeout_s=30.0)
    ids = [r.people.track_id.tolist() for r in results]
    assert ids[9] == [1, 2], f"ids per frame before the change: {ids[:10]}"
    assert all(found == [1, 2] for found in ids[10:]), f"ids per frame: {ids}"
    assert [r.frame_size for r in results[10:12]] == [smaller[0].shape[1::-1]] * 2
    for result, frame in zip(results, stream):  # in each frame's own pixels
        assert (result.people.bbox_xywh[:, :2] >= -1).all()
        assert (result.people.bbox_xywh[:, :2] <= frame.shape[1::-1]).all()
