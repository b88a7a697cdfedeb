"""Video files in and out through PyAV: probe, read frames with their timestamps, write browser-playable MP4.

Rotation metadata is honoured, each frame keeps its source timestamp (variable
frame rates included, in and out), and the annotated result is H.264 / yuv420p
MP4, which every browser plays.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = [
    "VIDEO_SUFFIXES",
    "VideoError",
    "VideoInfo",
    "ReadReport",
    "probe",
    "read_frames",
    "incompleteness",
    "Mp4Writer",
]

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = ("mp4", "mov", "avi", "mkv", "webm")  # what the page accepts and a batch folder is searched for
_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "gif", "tiff_pipe"}
OUTPUT_TIME_BASE = Fraction(1, 90_000)  # the MPEG clock: fine enough for any source timestamp


class VideoError(ValueError):
    """A file that cannot be used as a video; the message says why."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file is, from its header and first frame."""

    duration_s: float
    fps: float  # the nominal rate; variable-frame-rate files vary around it
    width: int  # as displayed (after rotation)
    height: int
    codec: str
    rotation: int  # degrees, counter-clockwise, applied when reading
    frame_count: int  # exact when frame_count_exact, else duration x fps
    size_bytes: int
    container: str
    frame_count_exact: bool = True
    start_s: float = 0.0  # the first frame's timestamp

    @property
    def frames_text(self) -> str:
        """The frame count as a person should read it: "300" or "about 156"."""
        return f"{self.frame_count}" if self.frame_count_exact else f"about {self.frame_count}"


def _mp4_index_missing(path: Path) -> bool:
    """Whether an MP4/MOV file starts like one but has no index ("moov" box): a recording or upload cut off."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[4:8] != b"ftyp":
            return False
        offset = 0
        while offset + 8 <= size:
            fh.seek(offset)
            box_size, box_type = struct.unpack(">I4s", fh.read(8))
            if box_type == b"moov":
                return False
            if box_size == 1:
                box_size = struct.unpack(">Q", fh.read(8))[0]
            elif box_size == 0:
                break
            if box_size < 8:
                break
            offset += box_size
    return True


def _open(path: str | Path):
    path = Path(path)
    if path.is_dir():
        raise VideoError(f"{path}: a folder, not a video file (the Video page processes a folder of clips)")
    if not path.is_file():
        raise VideoError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise VideoError(f"{path.name}: the file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        if _mp4_index_missing(path):
            raise VideoError(
                f"{path.name}: the file is incomplete: its index (the MP4 'moov' box, written when a recording "
                "ends) is missing, so the recording or the upload was cut off"
            ) from None
        raise VideoError(f"{path.name}: not a video file FFmpeg can read ({exc.__class__.__name__})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path.name}: holds no video stream")
    if container.format.name in _IMAGE_FORMATS or container.format.name.endswith("_pipe"):
        kind = container.format.name.removesuffix("_pipe")
        container.close()
        raise VideoError(f"{path.name}: an image ({kind}), not a video")
    stream = container.streams.video[0]
    if stream.codec_context is None:
        tag = getattr(stream, "codec_tag", "") or "unknown"
        container.close()
        raise VideoError(f"{path.name}: its video codec ({tag}) is not supported; re-encode it as H.264 MP4")
    return container, size


def probe(path: str | Path) -> VideoInfo:
    """Describe a video file by reading its header and decoding its first frame.

    Raises:
        VideoError: empty, not a video, cut off before its index, no video
            stream, an unsupported codec, or no decodable frame.
    """
    container, size = _open(path)
    try:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        try:
            first = next(container.decode(stream))
        except StopIteration:
            raise VideoError(f"{Path(path).name}: no decodable video frame") from None
        except av.error.FFmpegError as exc:
            raise VideoError(f"{Path(path).name}: cannot decode its {codec} video ({exc.strerror or exc})") from None
        rotation = int(getattr(first, "rotation", 0) or 0)
        width, height = first.width, first.height
        if rotation % 180:
            width, height = height, width
        fps = float(stream.average_rate or stream.guessed_rate or 0) or 30.0
        start_s = float(first.time or 0.0)
        if stream.duration:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = max(0.0, container.duration / 1e6 - start_s)
        else:
            duration = 0.0
        exact = bool(stream.frames)
        frames = stream.frames or int(round(duration * fps))
        return VideoInfo(
            duration, fps, width, height, codec, rotation, frames, size, container.format.name, exact, start_s
        )
    finally:
        container.close()


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate by the display matrix's counter-clockwise angle, as players do."""
    turns = int(round(rotation / 90.0)) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


@dataclass
class ReadReport:
    """How reading went; filled in by :func:`read_frames` as it goes (read it when the loop is over).

    Attributes:
        frames: frames yielded.
        decoded: frames decoded, taken or skipped.
        last_time_s: timestamp of the last frame decoded.
        last_yielded_s: timestamp of the last frame yielded.
        next_time_s: timestamp of the frame one stride after the last one yielded, when it was decoded.
        finished: the stream was read to its end (or to a decoding error), not stopped early by the caller.
        error: the decoder's error, when one ended the reading.
    """

    frames: int = 0
    decoded: int = 0
    last_time_s: float | None = None
    last_yielded_s: float | None = None
    next_time_s: float | None = None
    finished: bool = False
    error: str | None = None


def read_frames(
    path: str | Path, *, start: int = 0, stop: int | None = None, stride: int = 1, report: ReadReport | None = None
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (frame index, time in seconds, upright BGR frame (H, W, 3)) for frames start, start+stride, ... < stop.

    A file that breaks off mid-way yields what decodes; ``report`` says how far
    it got, and :func:`incompleteness` turns that into a sentence.

    Raises:
        VideoError: when the file cannot be opened at all.
    """
    if stride < 1:
        raise VideoError("stride must be at least 1")
    report = report if report is not None else ReadReport()
    container, _ = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = float(stream.average_rate or 30)
        index, next_slot = -1, None
        try:
            for frame in container.decode(stream):
                index += 1
                seconds = float(frame.time) if frame.time is not None else index / rate
                report.decoded += 1
                report.last_time_s = seconds
                if index == next_slot:
                    report.next_time_s = seconds
                if stop is not None and index >= stop:
                    return
                if index < start or (index - start) % stride:
                    continue
                image = _upright(frame.to_ndarray(format="bgr24"), int(getattr(frame, "rotation", 0) or 0))
                report.frames += 1
                report.last_yielded_s, report.next_time_s, next_slot = seconds, None, index + stride
                yield index, seconds, image
            report.finished = True
        except (av.error.FFmpegError, ValueError) as exc:
            report.finished = True
            report.error = f"{exc.__class__.__name__} at frame {index + 1}: {getattr(exc, 'strerror', None) or exc}"
            log.warning("%s: decoding stopped: %s", path, report.error)
    finally:
        container.close()


def incompleteness(info: VideoInfo, report: ReadReport) -> str | None:
    """Say where a file breaks off, when reading ended well before the container's duration or frame count.

    Returns:
        e.g. "the file breaks off at 4.4 s of 10.0 s", or None when the file
        was read to its end (or the caller stopped reading early on purpose).
    """
    if not report.finished or report.last_time_s is None:
        return None
    reached_s = report.last_time_s - info.start_s + 1.0 / info.fps
    tolerance_s = max(2.5 / info.fps, 0.1)
    short_in_time = info.duration_s > 0 and reached_s < info.duration_s - tolerance_s
    short_in_frames = info.frame_count_exact and report.decoded < info.frame_count - 2
    if not (short_in_time or short_in_frames or report.error):
        return None
    if info.duration_s > 0:
        message = f"the file breaks off at {reached_s:.1f} s of {info.duration_s:.1f} s"
    else:
        message = f"the file breaks off after {report.decoded} frames"
    if info.frame_count_exact:
        message += f" (frame {report.decoded} of {info.frame_count})"
    return message


class Mp4Writer:
    """H.264 / yuv420p MP4 (plays in every browser), frames written as they come, each at its own timestamp.

    Timestamps are kept on a 1/90000 s clock, so a variable-frame-rate or
    strided source gives an annotated video of the source's length.
    """

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 23) -> None:
        width, height = size
        self.path = Path(path)
        self.fps = fps
        self._container = av.open(str(self.path), "w", format="mp4")
        self._stream = self._container.add_stream("libx264", rate=Fraction(max(1, int(round(fps * 1000))), 1000))
        # yuv420p needs even dimensions
        self._stream.width, self._stream.height = width - width % 2, height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.time_base = OUTPUT_TIME_BASE
        self._stream.time_base = OUTPUT_TIME_BASE
        self._stream.options = {"crf": str(crf), "preset": "veryfast", "movflags": "+faststart"}
        self._first_s: float | None = None
        self._last_pts = -1
        self._durations: dict[int, int] = {}  # pts -> ticks until the next frame
        self.frames = 0

    def _ticks(self, seconds: float) -> int:
        return int(round(seconds / OUTPUT_TIME_BASE))

    def write(self, image_bgr: np.ndarray, time_s: float | None = None) -> None:
        """Encode one (H, W, 3) BGR frame shown from ``time_s`` (default: the next slot at ``fps``)."""
        if time_s is None:
            time_s = (self._first_s or 0.0) + self.frames / self.fps
        if self._first_s is None:
            self._first_s = time_s
        pts = max(self._ticks(time_s - self._first_s), self._last_pts + 1)
        if self._last_pts >= 0:
            self._durations[self._last_pts] = pts - self._last_pts
        image = image_bgr[: self._stream.height, : self._stream.width]
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        frame.pts, frame.time_base = pts, OUTPUT_TIME_BASE
        self._last_pts = pts
        self._mux(self._stream.encode(frame))
        self.frames += 1

    def _mux(self, packets) -> None:
        for packet in packets:
            if packet.pts is not None and packet.pts in self._durations:
                packet.duration = self._durations.pop(packet.pts)
            self._container.mux(packet)

    def close(self, last_duration_s: float | None = None) -> None:
        """Flush the encoder; the last frame lasts ``last_duration_s`` (default one frame at ``fps``)."""
        if self._last_pts >= 0:
            self._durations[self._last_pts] = max(1, self._ticks(last_duration_s or 1.0 / self.fps))
        self._mux(self._stream.encode())
        self._container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def replace_atomically(partial: Path, final: Path) -> Path:
    """Move a finished file into place in one step (a reader never sees it half-written)."""
    os.replace(partial, final)
    return final
