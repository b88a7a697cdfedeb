"""The estimator on real footage (../shared/videos, as the Live page's camera shows it: 640x360, looping):
everyone in view is found on every frame, and nobody who is not there."""

from __future__ import annotations

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
