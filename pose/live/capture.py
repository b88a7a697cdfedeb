"""Live sources: what may be opened, opening it with timeouts, and capture on its own thread.

A slow model then lowers the frame rate, never the freshness: the reader
keeps only the newest frame, and counts the ones nobody took.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import cv2
import numpy as np

__all__ = [
    "OPEN_SOURCES_ENV",
    "OPEN_TIMEOUT_S",
    "READ_TIMEOUT_S",
    "Frame",
    "LatestFrameReader",
    "SourceError",
    "SourcePolicy",
    "check_source",
    "describe_source",
    "is_url",
    "open_capture",
    "source_policy",
]

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0
"""How long a stream may take to answer before opening it fails (OpenCV's own default is 30 s)."""
READ_TIMEOUT_S = 30.0
"""How long an open stream may go without a frame before reading fails and it counts as lost. Meanwhile
the live loop says every few seconds that it stalled (:class:`pose.live.source.LiveSource`), so a stream
that hiccups comes back, and a stream that went away is said to be gone within half a minute."""
OPEN_SOURCES_ENV = "CONVNEXTPOSE_OPEN_SOURCES"


class SourceError(RuntimeError):
    """A camera or stream could not be opened, may not be opened, or stopped delivering frames."""

    def sentence(self) -> str:
        """The message as a page shows it: capitalised (every message here starts with a word, not a name), with
        a full stop."""
        text = str(self)
        return f"{text[:1].upper()}{text[1:]}."


@dataclass(frozen=True)
class Frame:
    """A captured frame: the image, its sequence number and capture time (``time.monotonic``)."""

    image_bgr: np.ndarray
    index: int
    timestamp_s: float


# --- what a visitor may open --------------------------------------------------------------------


@dataclass(frozen=True)
class SourcePolicy:
    """Which typed sources (video files, stream URLs) the server may open.

    Attributes:
        anything: every path and URL (a local run, or the host's explicit ``any``).
        folders: files inside these folders (resolved, symlinks followed).
        schemes: URLs with these schemes (``rtsp``, ``https``...).
        reason: why nothing is allowed, when nothing is; shown to the visitor.
    """

    anything: bool = False
    folders: tuple[Path, ...] = ()
    schemes: tuple[str, ...] = ()
    reason: str = ""

    @property
    def allows_any(self) -> bool:
        """Whether any typed source at all may be opened."""
        return self.anything or bool(self.folders or self.schemes)


def source_policy(setting: str | Sequence[str] | None, *, local: bool) -> SourcePolicy:
    """The policy for one visitor, from the host's setting and where the visitor connects from.

    Args:
        setting: ``$CONVNEXTPOSE_OPEN_SOURCES`` (comma-separated) or a list of entries
            (``st.secrets["open_sources"]``): ``off``; ``any``; folders (``/srv/clips``);
            URL schemes written with their ``://`` (``rtsp://``, ``https://``). None or
            empty when the host set nothing.
        local: whether the visitor's browser runs on this computer.

    Returns:
        Unset: anything for a local visitor, nothing for others (a hosted app must not read
        the server's files or reach its network for a stranger). Set: the setting, for everyone.

    Raises:
        ValueError: for a folder that is not an absolute path.
    """
    entries = [e.strip() for e in (setting.split(",") if isinstance(setting, str) else setting or ())]
    entries = [e for e in entries if e]
    if not entries:
        if local:
            return SourcePolicy(anything=True)
        return SourcePolicy(
            reason="opening files and stream URLs typed here is off, because this app is served to other "
            f"computers; whoever hosts it can allow folders and URL schemes with {OPEN_SOURCES_ENV} (see the README)"
        )
    lowered = {e.lower() for e in entries}
    if lowered & {"off", "none", "no", "false", "0"}:
        return SourcePolicy(reason=f"opening files and stream URLs typed here is turned off ({OPEN_SOURCES_ENV})")
    if lowered & {"any", "all", "*"}:
        return SourcePolicy(anything=True)
    folders, schemes = [], []
    for entry in entries:
        if entry.endswith("://"):
            schemes.append(entry[: -len("://")].lower())
            continue
        folder = Path(entry).expanduser()
        if not folder.is_absolute():
            raise ValueError(f"{OPEN_SOURCES_ENV}: {entry!r} is neither an absolute folder nor a scheme like rtsp://")
        folders.append(folder.resolve())
    return SourcePolicy(folders=tuple(folders), schemes=tuple(schemes))


def is_url(target: str) -> bool:
    """Whether ``target`` is a URL (``scheme://...``) rather than a file path."""
    return "://" in target


def check_source(target: str, policy: SourcePolicy) -> str:
    """``target`` stripped, when ``policy`` allows opening it.

    Raises:
        SourceError: saying why it may not be opened.
    """
    target = target.strip()
    if not target:
        raise SourceError("enter a stream URL or a video file path")
    if policy.anything:
        return target
    if not policy.allows_any:
        raise SourceError(f"refused: {policy.reason}")
    if is_url(target):
        scheme = urlsplit(target).scheme.lower()
        if scheme in policy.schemes:
            return target
        allowed = ", ".join(f"{s}://" for s in policy.schemes) or "none"
        raise SourceError(f"refused: {scheme}:// URLs may not be opened here (allowed: {allowed})")
    path = Path(target).expanduser().resolve()
    if any(path.is_relative_to(folder) for folder in policy.folders):
        return str(path)
    allowed = ", ".join(str(f) for f in policy.folders) or "no folder"
    raise SourceError(f"refused: {target} is outside the folders this app may open ({allowed})")


def describe_source(source: int | str) -> str:
    """The source in words: ``camera 0``, a URL without its password, or a file's name."""
    if isinstance(source, int):
        return f"camera {source}"
    if is_url(source):
        parts = urlsplit(source)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
    return Path(source).name or source


# --- opening and reading -----------------------------------------------------------------------


def open_capture(
    source: int | str, *, open_timeout_s: float = OPEN_TIMEOUT_S, read_timeout_s: float = READ_TIMEOUT_S
) -> cv2.VideoCapture:
    """Open a camera index, a video file or a stream URL with OpenCV.

    Files and URLs go through FFmpeg with open and read timeouts, so a stream that accepts the
    connection and never answers fails after ``open_timeout_s`` instead of OpenCV's 30 s.

    Raises:
        SourceError: when it cannot be opened; the message fits the kind of source.
    """
    if isinstance(source, int):
        capture = cv2.VideoCapture(source)
    else:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout_s * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout_s * 1000),
        ]
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
    if capture.isOpened():
        return capture
    capture.release()
    if isinstance(source, int):
        raise SourceError(f"cannot open camera {source}: check that it exists and that no other program is using it")
    if is_url(source):
        raise SourceError(
            f"cannot open {describe_source(source)}: no video stream answered within {open_timeout_s:.0f} s "
            "(check the address, and that the stream is running and reachable from the server)"
        )
    if not os.path.exists(source):
        raise SourceError(f"cannot open {source}: no such file")
    raise SourceError(f"cannot open {source}: not a video file OpenCV can read")


class LatestFrameReader:
    """Reads a source on a background thread, keeping only the newest frame.

    Args:
        source: camera index, file path or stream URL (see :func:`open_capture`).
        realtime: pace a video file at its own frame rate, as a camera would
            deliver it (files otherwise read as fast as they decode).
        loop: start a video file over when it ends (:attr:`loops` counts the restarts).
        open_timeout_s, read_timeout_s: see :func:`open_capture`.

    Raises:
        SourceError: when the source cannot be opened.
    """

    def __init__(
        self,
        source: int | str,
        *,
        realtime: bool = True,
        loop: bool = False,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        self.source = source
        self._capture = open_capture(source, open_timeout_s=open_timeout_s, read_timeout_s=read_timeout_s)
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if fps and 1.0 <= fps <= 240.0 else 30.0
        self.realtime, self.loop = realtime, loop
        self.is_file = isinstance(source, str) and not is_url(source)
        self._condition = threading.Condition()
        self._latest: Frame | None = None
        self._taken_index = -1
        self.frames_read = 0
        self.frames_dropped = 0
        self.loops = 0
        self.error: str | None = None
        self.ended = False
        self._opened_s = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{describe_source(source)}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._read_until_stopped()
        finally:  # released by the thread that reads it: never while a read() is in flight
            self._capture.release()

    def _read_until_stopped(self) -> None:
        period = 1.0 / self.fps
        next_due = time.monotonic()
        failures = 0
        while not self._stop.is_set():
            ok, image = self._capture.read()
            if not ok:
                if self.loop and self.is_file and failures == 0 and self._capture.set(cv2.CAP_PROP_POS_FRAMES, 0):
                    failures += 1
                    with self._condition:
                        self.loops += 1
                    continue
                self._finish()
                return
            failures = 0
            now = time.monotonic()
            with self._condition:
                if self._latest is not None and self._latest.index > self._taken_index:
                    self.frames_dropped += 1
                self._latest = Frame(image, self.frames_read, now)
                self.frames_read += 1
                self._condition.notify_all()
            if self.realtime and self.is_file:
                next_due = max(next_due + period, now)
                self._stop.wait(max(0.0, next_due - time.monotonic()))

    def _finish(self) -> None:
        with self._condition:
            if self._stop.is_set():
                pass  # stopped on purpose: not an error
            elif self.frames_read == 0:
                self.error = f"{describe_source(self.source)} delivered no frames"
            elif isinstance(self.source, int):
                self.error = f"camera {self.source} stopped delivering frames (unplugged, or taken by another program?)"
            elif not self.is_file:
                self.error = f"{describe_source(self.source)} stopped delivering frames (the stream went away?)"
            self.ended = True
            self._condition.notify_all()

    @property
    def last_frame_s(self) -> float:
        """When (``time.monotonic``) the newest frame came from the source, or the source opened if none has."""
        with self._condition:
            return self._latest.timestamp_s if self._latest is not None else self._opened_s

    def read(self, timeout_s: float = 1.0) -> Frame | None:
        """The newest frame not yet taken; waits up to ``timeout_s``. None when none came.

        Check :attr:`ended` and :attr:`error` to tell a pause from the end.
        """
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while self._latest is None or self._latest.index <= self._taken_index:
                if self.ended:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._condition.wait(remaining):
                    return None
            self._taken_index = self._latest.index
            return self._latest

    def close(self) -> None:
        """Stop the thread and release the source."""
        self._stop.set()
        self._thread.join(timeout=2.0)
        if self._thread.is_alive():  # blocked in a read for up to the read timeout; it releases the source itself
            log.warning("capture of %s still in a read; it stops when the read returns", describe_source(self.source))

    def __enter__(self) -> LatestFrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
