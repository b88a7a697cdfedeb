"""The app's server with its per-frame log kept: ``python -m tools.live_server FRAMES_FILE run app.py [options]``.

Streamlit's own command line (every argument after FRAMES_FILE is passed to it), in this process, with the Live
page's frame log (:data:`pose.live.trace.FRAME_LOG`, a DEBUG record per WebRTC frame) written to FRAMES_FILE as
one JSON object per line. :class:`tools.live_page.AppServer` starts it so for ``python -m tools.live``; the app
itself writes no file.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

__all__ = ["FrameLines", "main"]


class FrameLines(logging.Formatter):
    """A frame record as its fields (``record.frame``) in one JSON line. Through :class:`logging.FileHandler`
    each line is flushed as it comes: a reader may read the file while the server runs (a line cut off by the
    server's end is the reader's to skip)."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(record.frame)


def main(argv: list[str] | None = None) -> None:
    """Route the frame log to the file, then run Streamlit's command line with the remaining arguments."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        sys.exit("usage: python -m tools.live_server FRAMES_FILE run app.py [streamlit options]")
    from streamlit.web import cli  # not the app's modules: a component declared before the server runs is lost

    from pose.live.trace import FRAME_LOG

    FRAME_LOG.setLevel(logging.DEBUG)
    handler = logging.FileHandler(Path(args[0]))
    handler.setFormatter(FrameLines())
    FRAME_LOG.addHandler(handler)
    FRAME_LOG.propagate = False  # not into Streamlit's console log, once per frame
    sys.argv = ["streamlit", *args[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
