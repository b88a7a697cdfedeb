"""Shared fixtures: the data in ../shared beside the checkout (conformance outputs, photos, videos), and
small helpers.

Outside CI a test whose data is absent skips, saying which path it needs; in CI (``.ci/run`` sets ``CI=1``)
it fails instead, naming the path, so that no test vanishes from a CI run unseen."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSE_SHARED_DIR", ROOT.parent / "shared"))
CONFORMANCE = SHARED / "conformance"
# In CI (.ci/run sets CI=1) missing test data or a missing browser is a failure, never a skip.
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require_shared(path: Path) -> Path:
    """``path`` (inside ../shared) when it exists; else a skip saying so, or in CI a failure."""
    if path.exists():
        return path
    reason = f"{path} is absent: the test data lives in ../shared beside the checkout (or $POSE_SHARED_DIR)"
    if IN_CI:
        pytest.fail(f"{reason}; in CI every test must run", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def golden() -> dict:
    """The reference outputs of shared/conformance/golden.json."""
    return json.loads(require_shared(CONFORMANCE / "golden.json").read_text())


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    return require_shared(CONFORMANCE)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return require_shared(SHARED)


@pytest.fixture(scope="session")
def shared_images() -> Path:
    """../shared/images: the development photos (see its README)."""
    return require_shared(SHARED / "images")


@pytest.fixture(scope="session")
def shared_videos() -> Path:
    """../shared/videos: real footage of people (see its README)."""
    return require_shared(SHARED / "videos")


@pytest.fixture(scope="session")
def realgt_dir() -> Path:
    """shared/realgt: real photos with annotated people (boxes, 2D keypoints, 3D and cameras for some)."""
    return require_shared(SHARED / "realgt" / "annotations.json").parent


@pytest.fixture(scope="session")
def trained_weights() -> Path:
    """shared/weights: a folder holding the authors' trained ConvNeXtPose-XS (its stem restored; see its README)."""
    return require_shared(SHARED / "weights" / "ConvNeXtPose_XS.tar").parent


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
