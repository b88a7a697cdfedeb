"""The engine on footage built from real photos, people arriving and leaving (``pose.measure.scenes``).

Issue 9's bar: recall at IoU 0.5 of at least 0.9, no false person on empty frames, at most one identity
switch per 100 frames, a person who leaves gone within 3 frames; for BlazePose and for XS with
deterministic (untrained) weights.
"""

import pytest

from pose.engine.estimator import PoseEstimator
from pose.measure.scenes import multi_person_clip, shared_images
from pose.measure.tracking_eval import run_clip, score_tracking

pytestmark = pytest.mark.skipif(
    shared_images() is None, reason="needs the full-body photos in ../shared/images (the clip is built from them)"
)


@pytest.fixture(scope="module", params=["BlazePose", "XS"])
def estimator(request, xs_runner):
    kwargs = {"runner": xs_runner} if request.param == "XS" else {"variant": "BlazePose"}
    with PoseEstimator(detect_every=5, **kwargs) as est:
        yield est


@pytest.mark.parametrize(("variant", "min_recall"), [("colour", 0.9), ("dim", 0.9), ("grey", 0.9)])
def test_people_are_found_followed_and_let_go(estimator, variant, min_recall):
    estimator.reset()
    clip = multi_person_clip(60, 3, seed=1, heights=(120, 360), variant=variant)
    score = score_tracking(run_clip(estimator, clip), clip)
    assert score.recall >= min_recall, score
    assert score.id_switches_per_100 <= 1.0, score
    assert score.frames_to_gone <= 3, score
    assert score.false_per_frame <= 0.1, score


def test_nobody_is_reported_on_empty_frames(estimator):
    estimator.reset()
    clip = multi_person_clip(30, 0, seed=2)
    assert score_tracking(run_clip(estimator, clip), clip).false_on_empty == 0
