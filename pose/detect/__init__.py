"""Person detection, offline: MediaPipe 0.10.21's bundled BlazePose models, or a user's ONNX detector.

A detector has one method, ``detect(frame_bgr) -> list[Detection]``, so
another can be added beside this one. :func:`create_detector` picks one from a
spec: "blazepose" (the default, bundled:
:class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector`, every person, each confirmed by
BlazePose's landmark model) or the path of an .onnx file (:class:`~pose.detect.onnx.OnnxPersonDetector`);
the environment variable ``CONVNEXTPOSE_DETECTOR`` gives the default spec.

Modules: ``base`` (Detection, the protocol), ``ssd`` (MediaPipe's SSD decoding), ``blazepose`` (the
bundled multi-person detector), ``landmarks`` (BlazePose landmarks for each person), ``onnx`` (a user's
YOLOX / RTMDet / YOLO / RT-DETR file), ``onnx_layouts`` (which family a file is), ``mediapipe_models``.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import Detection, PersonDetector, landmarks_box

__all__ = [
    "Detection",
    "PersonDetector",
    "landmarks_box",
    "create_detector",
    "check_detector",
    "DETECTOR_ENV",
    "BUNDLED_DETECTOR",
]

DETECTOR_ENV = "CONVNEXTPOSE_DETECTOR"
BUNDLED_DETECTOR = "blazepose"


def create_detector(spec: str | Path | None = None, threads: int | None = None) -> PersonDetector:
    """The person detector that ``spec`` names.

    Args:
        spec: "blazepose" (bundled, every person), the path of an .onnx detector, or None for the
            environment variable ``CONVNEXTPOSE_DETECTOR``, else "blazepose".
        threads: threads per inference (None: the runtime's choice, every core).

    Raises:
        ValueError: for a spec that is neither (with what is accepted; saying when it came from the environment).
        pose.detect.onnx.DetectorNotFoundError: for a missing .onnx file (a DetectorFileError and a
            FileNotFoundError).
        pose.detect.onnx.DetectorFileError: for an unreadable or unsuitable .onnx file.
    """
    source = ""
    if spec is None or str(spec).strip() == "":
        spec = os.environ.get(DETECTOR_ENV, "").strip() or BUNDLED_DETECTOR
        source = f" ({DETECTOR_ENV}={spec})" if os.environ.get(DETECTOR_ENV, "").strip() else ""
    if str(spec).lower() == BUNDLED_DETECTOR:
        from .landmarks import BlazePoseMultiPersonDetector

        return BlazePoseMultiPersonDetector(threads=threads)
    path = Path(spec).expanduser()
    if path.suffix.lower() == ".onnx":
        from .onnx import DetectorFileError, OnnxPersonDetector

        try:
            return OnnxPersonDetector(path, threads=threads)
        except DetectorFileError as error:  # and its not-found kind: say where the path came from
            raise type(error)(f"{error}{source}") from error
    raise ValueError(
        f"unknown person detector {str(spec)!r}{source}: use {BUNDLED_DETECTOR!r} or the path of an .onnx file"
    )


def check_detector(spec: str | Path | None = None) -> None:
    """Raise now what :func:`create_detector` would for ``spec``, for a command to refuse before it starts.

    A plug-in file is opened and its family read (a fraction of a second); the bundled detector is not loaded.

    Raises:
        the errors of :func:`create_detector`.
    """
    if spec is None or str(spec).strip() == "":
        spec = os.environ.get(DETECTOR_ENV, "").strip() or BUNDLED_DETECTOR
        if str(spec).lower() != BUNDLED_DETECTOR:
            spec = None  # so that the message says it came from the environment
    if spec is not None and str(spec).lower() == BUNDLED_DETECTOR:
        return
    create_detector(spec).close()
