"""Where the models a person fetches or uploads are kept: one folder, ``$CONVNEXTPOSE_WEIGHTS`` or ``models/``.

ConvNeXtPose checkpoints lie in it (:mod:`pose.model.weights` names them), person detectors in its
``detectors/`` folder (:mod:`pose.detect.catalog`). Small and import-light: the detection room reads it without
loading torch.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["WEIGHTS_DIR_ENV", "DEFAULT_WEIGHTS_DIR", "weights_dir"]

WEIGHTS_DIR_ENV = "CONVNEXTPOSE_WEIGHTS"
DEFAULT_WEIGHTS_DIR = "models"


def weights_dir() -> Path:
    """The folder trained checkpoints are read from: ``$CONVNEXTPOSE_WEIGHTS`` or ``models/``."""
    return Path(os.environ.get(WEIGHTS_DIR_ENV) or DEFAULT_WEIGHTS_DIR)
