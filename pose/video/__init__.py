"""Video files: reading, the whole-file pipeline, exports, and ``python -m pose.video``."""

from .process import (
    CSV_COLUMNS,
    Mp4Writer,
    VideoError,
    VideoInfo,
    VideoRun,
    main,
    probe,
    process_video,
    read_frames,
    write_keypoints_csv,
)

__all__ = [
    "CSV_COLUMNS",
    "Mp4Writer",
    "VideoError",
    "VideoInfo",
    "VideoRun",
    "main",
    "probe",
    "process_video",
    "read_frames",
    "write_keypoints_csv",
]
