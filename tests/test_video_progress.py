"""Command-line progress: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from pose.video.progress import ProgressBar


def test_plain_lines_when_not_a_terminal():
    stream = io.StringIO()
    with ProgressBar(300, "walk.mp4", stream=stream, every_s=0.0, exact=False) as bar:
        for done in range(0, 301, 100):
            bar.update_to(done)
    text = stream.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert lines[0].startswith("walk.mp4: 0/about 300 frames") and lines[-1].startswith("walk.mp4: 300/about 300")
    assert len(lines) == 5  # one per update (every_s=0) and one at the end


def test_lines_are_rate_limited():
    stream = io.StringIO()
    with ProgressBar(1000, "long.mp4", stream=stream, every_s=3600) as bar:
        for done in range(1000):
            bar.update_to(done + 1)
    assert stream.getvalue().splitlines() == [stream.getvalue().splitlines()[-1]]  # only the final line
    assert "1000/1000 frames" in stream.getvalue()


def test_a_bar_on_a_terminal():
    stream = io.StringIO()
    with ProgressBar(10, "clip.mp4", stream=stream, terminal=True) as bar:
        bar.update_to(10)
    assert "clip.mp4: 100%" in stream.getvalue() and "10/10" in stream.getvalue()
