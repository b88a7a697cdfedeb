"""One video through the pipeline with its faults caught: the row a batch summary and the Video page show.

Both ``python -m pose.batch`` (on Ray workers) and the Video page (in the
server process) run each file through :func:`process_one`, so a file fails
the same way, with the same message, wherever it runs.
"""

from __future__ import annotations

import logging
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..engine.estimator import PoseEstimator
from ..model import CheckpointError
from .io import VideoError
from .process import Progress, VideoRun, process_video
from .settings import VideoSettings

__all__ = ["STATUSES", "Outcome", "process_one", "write_zip"]

log = logging.getLogger(__name__)

# "skipped": the batch command found it done before and did not redo it; "reused": the Video page shows a result
# it made earlier in the session for the same file and settings.
STATUSES = ("done", "failed", "skipped", "reused")


@dataclass(frozen=True)
class Outcome:
    """What became of one input: a summary row, and the run when there are outputs to show.

    A file that breaks off early is ``failed`` with the reason, though the
    outputs of the part that decoded are kept (``run`` is set).
    """

    input: str
    status: str
    frames: int = 0
    people: int = 0
    seconds: float = 0.0
    error: str = ""
    run: VideoRun | None = None

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0

    def row(self) -> dict:
        """The summary row: input, status, frames, people, seconds, frames_per_s, error."""
        return {
            "input": self.input,
            "status": self.status,
            "frames": self.frames,
            "people": self.people,
            "seconds": round(self.seconds, 3),
            "frames_per_s": round(self.fps, 2),
            "error": self.error,
        }


def process_one(
    path: str | Path,
    out_dir: str | Path,
    settings: VideoSettings,
    *,
    name: str | None = None,
    estimator: PoseEstimator | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Outcome:
    """:func:`process_video` with its faults turned into a ``failed`` outcome carrying the reason.

    Args:
        name: how the input is named in the outcome (default: the path).
    """
    name = name or str(path)
    try:
        run = process_video(path, out_dir, settings, estimator=estimator, progress=progress, cancel=cancel)
    except (VideoError, CheckpointError, ValueError) as exc:
        return Outcome(name, "failed", error=str(exc))
    except Exception as exc:  # a fault in one file must not stop the others
        log.exception("%s failed", name)
        return Outcome(name, "failed", error=f"{type(exc).__name__}: {exc}")
    reason = run.stopped_early or ("cancelled" if run.cancelled else "")
    return Outcome(
        name, "failed" if reason else "done", run.frames_done, run.people, run.wall_s, reason and f"{reason}", run
    )


def write_zip(path: str | Path, folders: Iterable[tuple[str, Path]]) -> Path:
    """Zip the outputs of several runs: each ``(prefix, folder)`` becomes ``prefix/<file>`` in the archive.

    Written under a temporary name and renamed, like every output.
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for prefix, folder in folders:
            for file in sorted(Path(folder).iterdir()):
                if file.is_file() and not file.name.endswith(".partial"):
                    packed = zipfile.ZIP_STORED if file.suffix == ".mp4" else zipfile.ZIP_DEFLATED  # H.264 is packed
                    archive.write(file, f"{prefix}/{file.name}", compress_type=packed)
    partial.replace(path)
    return path
