"""A plug-in detector's people kept where BlazePose's landmark model sees a person (on a real photo), and the
estimator putting that look in front of ConvNeXtPose for plug-in ONNX detectors only."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from pose import PoseEstimator
from pose.detect import Detection, create_detector
from pose.detect.confirmed import ConfirmedDetector
from pose.detect.landmarks import BlazePoseLandmarker
from pose.engine.build import convnextpose_detector
from pose.measure.annotations import read_annotations

EMPTY_STAGE = (20.0, 40.0, 160.0, 340.0)  # the black backdrop left of the two seated men


class FixedBoxes:
    """A person detector that gives the same boxes on every frame."""

    def __init__(self, boxes):
        self.boxes, self.resets, self.closed = boxes, 0, False

    def detect(self, frame_bgr):
        return [Detection(np.asarray(box, dtype=np.float64), 0.9) for box in self.boxes]

    def reset(self):
        self.resets += 1

    def close(self):
        self.closed = True


def test_a_box_on_a_person_is_kept_and_one_on_the_empty_stage_is_dropped(realgt_dir):
    (image,) = [i for i in read_annotations(realgt_dir) if i.name == "mpii/052475643.jpg"]
    frame_bgr = cv2.imread(str(image.path))
    person = image.people[0].box_xywh
    inner = FixedBoxes([EMPTY_STAGE, person])
    detector = ConfirmedDetector(inner, BlazePoseLandmarker())
    found = detector.detect(frame_bgr)
    assert len(found) == 1 and found.bbox_xywh[0] == pytest.approx(person)  # as the detector gave it
    assert not len(detector.detect(np.zeros_like(frame_bgr)))  # nobody on a black frame
    detector.reset()
    detector.close()
    assert inner.resets == 1 and inner.closed


def test_plug_in_detectors_are_confirmed_for_convnextpose_only(shared_dir, xs_runner, monkeypatch):
    monkeypatch.delenv("CONVNEXTPOSE_DETECTOR", raising=False)
    yolox = str(shared_dir / "detectors" / "yolox_nano.onnx")
    with PoseEstimator(runner=xs_runner, detector=create_detector(yolox)) as estimator:
        assert isinstance(estimator.detector, ConfirmedDetector)
    with PoseEstimator("BlazePose", detector=create_detector(yolox)) as estimator:
        assert not isinstance(estimator.detector, ConfirmedDetector)  # its landmark model looks at each box itself
    own = FixedBoxes([])
    with PoseEstimator(runner=xs_runner, detector=own) as estimator:
        assert estimator.detector is own  # a detector object of one's own is taken as it is
    with PoseEstimator(runner=xs_runner) as estimator:  # the bundled detector confirms its own people
        assert not isinstance(estimator.detector, ConfirmedDetector)
    # the one rule, also for Compare's detection pass shared by the ConvNeXtPose sizes
    assert isinstance(convnextpose_detector(create_detector(yolox)), ConfirmedDetector)
    assert convnextpose_detector(own) is own


class SeesWide:
    """A landmark model that sees a person in every box wider than 100 px, and counts its looks."""

    def __init__(self):
        self.looks = 0

    def find(self, frame_bgr, detection):
        self.looks += 1
        return detection if detection.bbox_xywh[2] > 100 else None

    def close(self):
        pass


def test_it_looks_at_the_largest_boxes_first_and_stops_at_max_people():
    boxes = [(0, 0, 50, 50), (0, 0, 300, 300), (0, 0, 90, 200), (0, 0, 200, 200), (0, 0, 150, 150)]
    frame = np.zeros((480, 640, 3), np.uint8)
    landmarker = SeesWide()
    found = ConfirmedDetector(FixedBoxes(boxes), landmarker, max_people=2).detect(frame)
    assert found.bbox_xywh[:, 2].tolist() == [300, 200] and landmarker.looks == 2  # a crowd costs the people kept
    landmarker = SeesWide()
    found = ConfirmedDetector(FixedBoxes(boxes), landmarker).detect(frame)
    assert found.bbox_xywh[:, 2].tolist() == [300, 200, 150] and landmarker.looks == 5
