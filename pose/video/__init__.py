"""Video files: reading and writing (io), streaming exports (export), the whole-file pipeline (process),
``python -m pose.video`` (__main__) and ``python -m pose.batch`` (batch, on Ray: its inputs in batch_inputs,
its manifest and summary in batch_records, its worker pool in batch_pool)."""

from .export import CSV_COLUMNS, KeypointsCsv, KeypointsJson, Track, people_in, read_track
from .io import VIDEO_SUFFIXES, Mp4Writer, ReadReport, VideoError, VideoInfo, incompleteness, probe, read_frames
from .outcome import Outcome, process_one, write_zip
from .process import OUTPUT_NAMES, Progress, VideoRun, process_video
from .settings import VideoSettings

__all__ = [
    "CSV_COLUMNS",
    "OUTPUT_NAMES",
    "VIDEO_SUFFIXES",
    "KeypointsCsv",
    "KeypointsJson",
    "Mp4Writer",
    "Outcome",
    "Progress",
    "ReadReport",
    "Track",
    "VideoError",
    "VideoInfo",
    "VideoRun",
    "VideoSettings",
    "incompleteness",
    "main",
    "people_in",
    "probe",
    "process_one",
    "process_video",
    "read_frames",
    "read_track",
    "write_zip",
]


def main(argv=None) -> int:
    """``python -m pose.video``'s entry point."""
    from .__main__ import main as _main

    return _main(argv)
