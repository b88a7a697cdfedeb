"""The rooms of the house: import-linter's contracts (pyproject.toml) hold, and fail on a wrong arrow."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
    )


def test_import_contracts_are_kept():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("pose/draw/figures.py", "import torch", "torch lives only in the model room"),
        ("pose/model/network.py", "from ..engine.people import Person", "the model room knows nothing"),
        ("pose/detect/landmarks.py", "from ..engine import matching", "detection knows nothing of the engine"),
        ("pose/engine/tracker.py", "from ..draw import overlay", "the engine draws nothing"),
        ("pose/live/processor.py", "from ..measure import samples", "never import the measurement room"),
        ("ui/readouts.py", "from pose.model import network", "public API"),
        ("pose/measure/compare.py", "from tools import live_page", "never import the lab"),
        ("ui/readouts.py", "import tools.live", "never import the lab"),
    ],
)
def test_a_wrong_arrow_breaks_a_contract(tmp_path, module, line, broken):
    for folder in ("pose", "ui", "tools"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # injected\n")
    done = _lint(tmp_path)
    assert done.returncode != 0
    assert f"{broken}" in done.stdout and "BROKEN" in done.stdout


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")) + ["../app.py"])
def test_pages_use_the_public_api_and_no_torch(page):
    imported = _imported_modules(ROOT / "pages" / page)
    assert not {m for m in imported if m == "torch" or m.startswith(("torch.", "pose.model"))}
