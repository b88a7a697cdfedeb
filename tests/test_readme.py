"""The README runs: its library example executes, and every command it lists answers ``--help``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from pose.measure.samples import person_photo

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _library_example() -> str:
    section = README[README.index("## The library") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_library_example_runs(tmp_path, monkeypatch):
    cv2.imwrite(str(tmp_path / "person.jpg"), person_photo())
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(_library_example(), "README.md", "exec"), namespace)
    assert len(namespace["people"]) == 1 and namespace["score"].score == pytest.approx(100.0)


def _commands() -> list[str]:
    listed = re.findall(r"^python -m ([\w.]+)", README, re.M)
    return sorted(set(listed))


@pytest.mark.parametrize("module", _commands())
def test_every_listed_command_answers_help(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_switch_help_says_what_the_switch_does():
    done = subprocess.run(
        [sys.executable, "-m", "pose.video", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    text = " ".join(done.stdout.split())
    assert "--smoothing, --no-smoothing One-Euro smoothing" in text
    assert "--draw, --no-draw draw the skeletons" in text
    assert "--max-people MAX_PEOPLE follow at most this many people" in text
