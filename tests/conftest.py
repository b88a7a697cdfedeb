"""Shared fixtures: the conformance data beside the checkout, and small helpers."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSE_SHARED_DIR", ROOT.parent / "shared"))
CONFORMANCE = SHARED / "conformance"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent: the conformance data lives in ../shared beside the checkout")
    return path


@pytest.fixture(scope="session")
def golden() -> dict:
    """The reference outputs of shared/conformance/golden.json."""
    return json.loads(_require(CONFORMANCE / "golden.json").read_text())


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    return _require(CONFORMANCE)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _require(SHARED)


@pytest.fixture(scope="session")
def realgt_dir() -> Path:
    """shared/realgt: real photos with annotated people (boxes, 2D keypoints, 3D and cameras for some)."""
    return _require(SHARED / "realgt" / "annotations.json").parent


@pytest.fixture(scope="session")
def moving_frames():
    """80 640x480 frames of a person gliding across; out of view for frames 30-44."""
    from pose.measure.samples import moving_person_frames

    return list(moving_person_frames(80, absent=(30, 45)))


@pytest.fixture(scope="session")
def xs_runner():
    """An untrained XS runner (deterministic weights), shared by the tests."""
    from pose.model.load import load_runner

    return load_runner("XS", "onnxruntime", "cpu", weights_folder=Path("/nonexistent"))


def write_video(path: Path, frames, fps: float = 30.0, fourcc: str = "MJPG") -> Path:
    """Write ``frames`` with OpenCV (MJPG in .avi reads back everywhere)."""
    import cv2

    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path
