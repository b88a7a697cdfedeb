"""The person detectors a person may fetch by name, and where fetched ones are kept.

One table: the person detectors rtmlib's users run (rtmlib's ``Body``, ``Wholebody`` and README model zoo name
OpenMMLab's mmdeploy "ONNX SDK" archives: a zip holding ``end2end.onnx``, NMS inside the graph), each with its
publisher's URL, input size, family (as :mod:`pose.detect.onnx_layouts` reads it) and accuracy as published.
Nothing here downloads (``python -m pose.fetch detector NAME`` does, on request); a fetched detector lies in
``<weights folder>/detectors/<NAME>.onnx`` beside ``<NAME>.json`` (its checksum, recorded at download).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..model_folder import weights_dir

__all__ = [
    "CatalogDetector",
    "DETECTORS",
    "NAME_PATTERN",
    "detectors_dir",
    "fetched_path",
    "fetched_record",
    "kept_as",
    "fetched_names",
]

_OPENMMLAB = "https://download.openmmlab.com/mmpose/v1/projects"
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
"""A detector's name in the cache: lower case, digits, '.', '_' and '-' (it becomes a file name)."""


@dataclass(frozen=True)
class CatalogDetector:
    """One person detector as its publisher distributes it.

    Attributes:
        name: how commands, the setting and the Models page name it ("rtmdet-nano").
        url: the publisher's file; None where only PyTorch weights are published (``source`` names them).
        input_size: the square input it was trained at (its ONNX input is dynamic).
        family: the layout :mod:`pose.detect.onnx_layouts` reads it as.
        trained_on: its training data.
        accuracy: its accuracy as published, with where.
        source: the page that publishes it (and, for a row without ``url``, its PyTorch weights).
    """

    name: str
    url: str | None
    input_size: int
    family: str
    trained_on: str
    accuracy: str
    source: str


_RTMPOSE_README = "https://github.com/open-mmlab/mmpose/tree/main/projects/rtmpose"
_HUMANART_README = "https://github.com/open-mmlab/mmpose/tree/main/configs/body_2d_keypoint/rtmpose/humanart"
_RTMLIB_README = "https://github.com/Tau-J/rtmlib#detectors"

# fmt: off
DETECTORS: dict[str, CatalogDetector] = {
    d.name: d
    for d in (
        CatalogDetector(
            "rtmdet-nano", f"{_OPENMMLAB}/rtmposev1/onnx_sdk/rtmdet_nano_8xb32-100e_coco-obj365-person-05d8511e.zip",
            320, "mmdeploy end2end (RTMDet)", "COCO + Objects365 person",
            "person AP 40.3 on COCO val2017, 0.99 M parameters (RTMPose README)", _RTMPOSE_README),
        CatalogDetector(
            "rtmdet-tiny", None, 640, "mmdeploy end2end (RTMDet)", "Human-Art",
            "AP 46.6 on Human-Art (mmpose's Human-Art table)",
            f"{_OPENMMLAB}/rtmposev1/rtmdet_tiny_8xb32-300e_humanart-7da5554e.pth"),
        CatalogDetector(
            "rtmdet-s", None, 640, "mmdeploy end2end (RTMDet)", "Human-Art",
            "AP 50.6 on Human-Art (mmpose's Human-Art table)",
            f"{_OPENMMLAB}/rtmposev1/rtmdet_s_8xb32-300e_humanart-af5bd52d.pth"),
        CatalogDetector(
            "rtmdet-m", f"{_OPENMMLAB}/rtmposev1/onnx_sdk/rtmdet_m_8xb32-100e_coco-obj365-person-235e8209.zip",
            640, "mmdeploy end2end (RTMDet)", "COCO + Objects365 person",
            "person AP 62.5 on COCO val2017, 24.66 M parameters (RTMPose README)", _RTMPOSE_README),
        CatalogDetector(
            "yolox-tiny", f"{_OPENMMLAB}/rtmposev1/onnx_sdk/yolox_tiny_8xb8-300e_humanart-6f3252f9.zip",
            416, "mmdeploy end2end (YOLOX)", "Human-Art (real people and drawn ones)",
            "AP 47.7 on Human-Art (mmpose's Human-Art table)", _RTMLIB_README),
        CatalogDetector(
            "yolox-s", f"{_OPENMMLAB}/rtmposev1/onnx_sdk/yolox_s_8xb8-300e_humanart-3ef259a7.zip",
            640, "mmdeploy end2end (YOLOX)", "Human-Art (real people and drawn ones)",
            "AP 54.6 on Human-Art (mmpose's Human-Art table)", _RTMLIB_README),
        CatalogDetector(
            "yolox-m", f"{_OPENMMLAB}/rtmposev1/onnx_sdk/yolox_m_8xb8-300e_humanart-c2c7a14a.zip",
            640, "mmdeploy end2end (YOLOX)", "Human-Art (real people and drawn ones)",
            "AP 59.1 on Human-Art (mmpose's Human-Art table)", _RTMLIB_README),
    )
}
# fmt: on


def detectors_dir(folder: Path | None = None) -> Path:
    """Where fetched and uploaded detectors lie: ``<weights folder>/detectors``."""
    return (folder or weights_dir()) / "detectors"


def fetched_path(name: str, folder: Path | None = None) -> Path:
    """The file a detector called ``name`` is kept in (whether or not it is there)."""
    return detectors_dir(folder) / f"{name.lower()}.onnx"


def fetched_record(name: str, folder: Path | None = None) -> dict | None:
    """What was recorded when ``name`` was fetched (``sha256``, ``source``, ``bytes``, ``family``), or None."""
    record = fetched_path(name, folder).with_suffix(".json")
    try:
        return json.loads(record.read_text())
    except (OSError, ValueError):
        return None


def kept_as(record: dict | None) -> str:
    """How a kept detector came, from its :func:`fetched_record`: "fetched" (downloaded from a URL) or "your file"
    (uploaded, given by path, or put in the folder by hand: no record of a download)."""
    source = str((record or {}).get("source", ""))
    return "fetched" if source.startswith(("http://", "https://")) else "your file"


def fetched_names(folder: Path | None = None) -> list[str]:
    """The names of the detectors fetched or uploaded so far, sorted."""
    where = detectors_dir(folder)
    if not where.is_dir():
        return []
    return sorted(p.stem for p in where.glob("*.onnx") if p.is_file() and NAME_PATTERN.match(p.stem))
