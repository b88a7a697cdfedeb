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
