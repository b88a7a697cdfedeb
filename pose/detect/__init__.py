"""Person detection, offline: MediaPipe 0.10.21's bundled BlazePose models, or a user's ONNX detector.

A detector has one method, ``detect(frame_bgr) -> Detections`` (the frame's people as arrays, each
:class:`Detection` a row), so another can be added beside this one. :func:`create_detector` picks one from a
spec: "blazepose" (the default, bundled:
:class:`~pose.detect.landmarks.BlazePoseMultiPersonDetector`, every person, each confirmed by
BlazePose's landmark model), the name of a fetched detector (:mod:`pose.detect.catalog`: ``python -m
pose.fetch detector NAME``) or the path of an .onnx file (:class:`~pose.detect.onnx.OnnxPersonDetector`, which
:class:`~pose.detect.tiles.TiledDetector` also runs on the tiles of a large frame);
the environment variable ``CONVNEXTPOSE_DETECTOR`` is that one setting for the app, the commands and the library.

Modules: ``base`` (Detection, the protocol), ``detections`` (a frame's people as arrays), ``tiles`` (a frame's
tiles, and any detector run on them, the bundled one included),
``ssd`` (MediaPipe's SSD decoding), ``blazepose`` (the bundled SSD and its tiles), ``landmarks`` (BlazePose
landmarks for each person), ``onnx`` (a user's YOLOX / RTMDet / YOLO / RT-DETR / PicoDet file), ``onnx_layouts``
(which family a file is), ``picodet`` (PaddleDetection's PicoDet decoding), ``mediapipe_models``, ``catalog``
(the detectors fetched by name, and where they are kept).
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import Detection, PersonDetector, landmarks_box
from .detections import Detections, as_detections

__all__ = [
    "Detection",
    "Detections",
    "as_detections",
    "PersonDetector",
    "landmarks_box",
    "create_detector",
    "check_detector",
    "DETECTOR_ENV",
    "BUNDLED_DETECTOR",
    "detector_setting",
    "describe_detector",
    "is_bundled",
]

DETECTOR_ENV = "CONVNEXTPOSE_DETECTOR"
BUNDLED_DETECTOR = "blazepose"


def detector_setting() -> str:
    """The person detector setting: ``$CONVNEXTPOSE_DETECTOR`` (a fetched name, or an .onnx path), else "blazepose"."""
    return os.environ.get(DETECTOR_ENV, "").strip() or BUNDLED_DETECTOR


def is_bundled(spec: str | Path) -> bool:
    """Whether ``spec`` names the bundled detector (in any case)."""
    return str(spec).lower() == BUNDLED_DETECTOR


def describe_detector(spec: str | Path | None = None) -> str:
    """The detector ``spec`` (default: the setting) names, in words: "bundled (BlazePose)", "yolox-tiny (fetched)"
    (downloaded), "mine (your file)" (kept from an upload or a path), "my.onnx (your file)"; a name not fetched
    yet says so. Reads no model."""
    from .catalog import fetched_path, fetched_record, kept_as

    spec = str(spec).strip() if spec is not None and str(spec).strip() else detector_setting()
    if is_bundled(spec):
        return "bundled (BlazePose)"
    if Path(spec).suffix.lower() == ".onnx":
        return f"{Path(spec).name} (your file)"
    return f"{spec} ({kept_as(fetched_record(spec))})" if fetched_path(spec).is_file() else f"{spec} (not fetched yet)"


def create_detector(spec: str | Path | None = None, threads: int | None = None) -> PersonDetector:
    """The person detector that ``spec`` names.

    Args:
        spec: "blazepose" (bundled, every person), the name of a fetched detector (``python -m pose.fetch
            detector NAME``), the path of an .onnx detector, or None for the environment variable
            ``CONVNEXTPOSE_DETECTOR``, else "blazepose".
        threads: threads per inference (None: the runtime's choice, every core).

    Raises:
        ValueError: for a spec that is none of these (with what is accepted; saying when it came from the
            environment).
        pose.detect.onnx.DetectorNotFoundError: for a missing .onnx file, or a known name not fetched yet (how to
            fetch it is said; a DetectorFileError and a FileNotFoundError).
        pose.detect.onnx.DetectorFileError: for an unreadable or unsuitable .onnx file.
    """
    source = ""
    if spec is None or str(spec).strip() == "":
        spec = detector_setting()
        source = f" ({DETECTOR_ENV}={spec})" if os.environ.get(DETECTOR_ENV, "").strip() else ""
    if is_bundled(spec):
        from .landmarks import BlazePoseMultiPersonDetector

        return BlazePoseMultiPersonDetector(threads=threads)
    path, input_size = Path(spec).expanduser(), None
    if path.suffix.lower() != ".onnx":
        from .catalog import DETECTORS, NAME_PATTERN, fetched_path

        name = str(spec).strip().lower()
        if not NAME_PATTERN.match(name) or (name not in DETECTORS and not fetched_path(name).is_file()):
            raise ValueError(
                f"unknown person detector {str(spec)!r}{source}: use {BUNDLED_DETECTOR!r}, a fetched detector's "
                f"name ({', '.join(DETECTORS)}; `python -m pose.fetch detector NAME`) or the path of an .onnx file"
            )
        path = fetched_path(name)
        if not path.is_file():
            from .onnx import DetectorNotFoundError

            raise DetectorNotFoundError(
                f"person detector {name!r}",
                f"is not fetched yet{source}: `python -m pose.fetch detector {name}`, or Fetch on the Models page",
            )
        input_size = DETECTORS[name].input_size if name in DETECTORS else None
    from .onnx import DetectorFileError, OnnxPersonDetector
    from .tiles import TiledDetector

    try:
        detector = OnnxPersonDetector(path, threads=threads, input_size=input_size)
    except DetectorFileError as error:  # and its not-found kind: say where the path came from
        raise type(error)(error.file, f"{error.reason}{source}") from error
    return TiledDetector(detector)  # at its input size's rule and its own NMS overlap


def check_detector(spec: str | Path | None = None) -> None:
    """Raise now what :func:`create_detector` would for ``spec``, for a command to refuse before it starts.

    A plug-in file is opened and its family read (a fraction of a second); the bundled detector is not loaded.

    Raises:
        the errors of :func:`create_detector`.
    """
    if spec is None or str(spec).strip() == "":
        spec = detector_setting()
        if not is_bundled(spec):
            spec = None  # so that the message says it came from the environment
    if spec is not None and is_bundled(spec):
        return
    create_detector(spec).close()
