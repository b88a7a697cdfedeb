"""Live video: sources (a camera, a stream or a file, read on a thread of their own, :mod:`.capture` and
:mod:`.source`) and the processor that runs estimators on their frames and draws them (:mod:`.processor`)."""

from .capture import LatestFrameReader, SourceError, check_source, describe_source
from .processor import LiveProcessor, LiveStats
from .source import LiveSource, SourceState

__all__ = [
    "LatestFrameReader",
    "LiveProcessor",
    "LiveSource",
    "LiveStats",
    "SourceError",
    "SourceState",
    "check_source",
    "describe_source",
]
