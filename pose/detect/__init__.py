"""Person detection, offline: MediaPipe 0.10.21's bundled BlazePose models, or a user's ONNX detector.

A detector has one method, ``detect(frame_bgr) -> list[Detection]``, so
another can be added beside this one. :func:`create_detector` picks one from a
spec: "blazepose" (the default, bundled:
:class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector`, every person, each confirmed by
BlazePose's landmark model) or the path of an .onnx file (:class:`~pose.detect.onnx.OnnxPersonDetector`);
the environment variable ``CONVNEXTPOSE_DETECTOR`` gives the default spec.

Modules: ``base`` (Detection, the protocol), ``ssd`` (MediaPipe's SSD decoding), ``blazepose`` (the
bundled multi-person detector), ``landmarks`` (BlazePose landmarks for each person), ``onnx`` (a user's
YOLO / RT-DETR file), ``solution`` (MediaPipe's single-person pose solution), ``mediapipe_models``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import Detection, PersonDetector, landmarks_box
from .solution import MediaPipePoseDetector

__all__ = [
    "Detection",
    "PersonDetector",
    "MediaPipePoseDetector",
    "landmarks_box",
    "create_detector",
    "DETECTOR_ENV",
    "BUNDLED_DETECTOR",
]

DETECTOR_ENV = "CONVNEXTPOSE_DETECTOR"
BUNDLED_DETECTOR = "blazepose"


def create_detector(spec: str | Path | None = None) -> PersonDetector:
    """The person detector that ``spec`` names.

    Args:
        spec: "blazepose" (bundled, every person), the path of an .onnx detector, or None for the
            environment variable ``CONVNEXTPOSE_DETECTOR``, else "blazepose".

    Raises:
        ValueError: for a spec that is neither (with what is accepted).
        FileNotFoundError: for a missing .onnx file.
        pose.detect.onnx.DetectorFileError: for an unreadable or unsuitable .onnx file.
    """
    if spec is None or str(spec).strip() == "":
        spec = os.environ.get(DETECTOR_ENV, "").strip() or BUNDLED_DETECTOR
    if str(spec).lower() == BUNDLED_DETECTOR:
        from .landmarks import BlazePoseMultiPersonDetector

        return BlazePoseMultiPersonDetector()
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".onnx":
        from .onnx import OnnxPersonDetector

        return OnnxPersonDetector(path)
    raise ValueError(f"unknown person detector {str(spec)!r}: use {BUNDLED_DETECTOR!r} or the path of an .onnx file")
