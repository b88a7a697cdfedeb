"""``import pose`` and its packages are light: no torch and nothing set in the environment until a ConvNeXtPose model
is used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_import_pose_loads_no_torch_and_sets_nothing():
    done = _python(
        "import os, sys, pose; before = dict(os.environ);"
        "import pose.config, pose.detect, pose.engine, pose.coach, pose.draw, pose.export, pose.fetch, pose.live,"
        " pose.measure, pose.model, pose.video;"
        "assert 'torch' not in sys.modules, 'torch loaded';"
        "assert 'OMP_WAIT_POLICY' not in os.environ, 'environment changed';"
        "assert dict(os.environ) == before;"
        "pose.EstimatorConfig(variant='XS', backend='torch'); pose.VARIANTS['XS'];"
        "assert 'torch' not in sys.modules, 'naming a variant or a backend loaded torch'"
    )
    assert done.returncode == 0, done.stderr


def test_the_first_model_loads_torch_with_passive_threads_and_a_users_setting_stays():
    build = (
        "import os, sys, pose; pose.build_model('XS'); assert 'torch' in sys.modules;"
        "print(os.environ['OMP_WAIT_POLICY'])"
    )
    done = _python(build)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "PASSIVE"
    assert _python(build, OMP_WAIT_POLICY="ACTIVE").stdout.strip() == "ACTIVE"
