"""Processing an uploaded video on a background thread, with progress, cancel, and a bounded result cache."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

import pose
from pose.video import VideoError, VideoRun, process_video

from .controls import EstimatorSettings

VIDEO_TYPES = ("mp4", "mov", "avi", "mkv", "webm")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def session_upload_dir() -> Path:
    """A private folder for this session's uploads, removed when the session ends (its object is collected)."""
    if "video_tmp" not in st.session_state:
        st.session_state.video_tmp = tempfile.TemporaryDirectory(prefix="convnextpose-upload-")
    return Path(st.session_state.video_tmp.name)


def save_upload(uploaded) -> tuple[Path, str]:
    """Store an upload under a name of ours (never the user's), returning its path and SHA-256.

    Both are worked out once per upload, not on every rerun of the page.
    """
    saved = st.session_state.setdefault("video_saved", {})
    if uploaded.file_id not in saved:
        suffix = Path(uploaded.name).suffix.lower().lstrip(".")
        suffix = suffix if suffix in VIDEO_TYPES else "bin"
        path = session_upload_dir() / f"upload-{uploaded.file_id}.{suffix}"
        path.write_bytes(uploaded.getvalue())
        saved[uploaded.file_id] = (path, file_digest(path))
    return saved[uploaded.file_id]


class ResultCache:
    """The last ``capacity`` runs, keyed by the file's hash and the settings; their files live in one folder."""

    def __init__(self, capacity: int = 6) -> None:
        self.capacity = capacity
        self.root = Path(tempfile.mkdtemp(prefix="convnextpose-results-"))
        self._runs: OrderedDict[tuple, VideoRun] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> VideoRun | None:
        with self._lock:
            run = self._runs.get(key)
            if run is not None:
                self._runs.move_to_end(key)
            return run

    def folder(self, key: tuple) -> Path:
        return self.root / hashlib.sha256(repr(key).encode()).hexdigest()[:20]

    def put(self, key: tuple, run: VideoRun) -> None:
        with self._lock:
            self._runs[key] = run
            self._runs.move_to_end(key)
            while len(self._runs) > self.capacity:
                old_key, _ = self._runs.popitem(last=False)
                shutil.rmtree(self.folder(old_key), ignore_errors=True)


@st.cache_resource
def result_cache() -> ResultCache:
    return ResultCache()


@dataclass
class VideoJob:
    """Runs each chosen estimator over the file in turn; the page polls it."""

    path: Path
    digest: str
    settings: EstimatorSettings
    start: int
    stop: int | None
    stride: int
    runs: dict = field(default_factory=dict)  # estimator -> VideoRun
    current: str = ""
    error: str | None = None
    done: bool = False
    cancel: threading.Event = field(default_factory=threading.Event)
    reused: list = field(default_factory=list)

    def key(self, name: str) -> tuple:
        s = self.settings
        return (
            self.digest,
            name,
            s.backend,
            s.device,
            s.precision,
            s.smoothing,
            s.detect_every,
            s.flip_test,
            s.fov_deg,
            self.start,
            self.stop,
            self.stride,
        )

    def launch(self) -> None:
        """Take cached runs and build the other estimators on the script thread (errors show there),
        then process on a worker thread."""
        self._cache = result_cache()
        self._cached = {name: self._cache.get(self.key(name)) for name in self.settings.estimators}
        self._estimators = {name: self.settings.build(name) for name, run in self._cached.items() if run is None}
        threading.Thread(target=self._work, name="video-job", daemon=True).start()

    def _work(self) -> None:
        cache = self._cache
        try:
            for name in self.settings.estimators:
                if self.cancel.is_set():
                    break
                self.current = name
                key = self.key(name)
                if self._cached[name] is not None:
                    self.runs[name] = self._cached[name]
                    self.reused.append(name)
                    continue
                with self._estimators[name] as estimator:
                    self.runs[name] = VideoRun(None, name, {})
                    run = process_video(
                        self.path,
                        estimator,
                        cache.folder(key),
                        start=self.start,
                        stop=self.stop,
                        stride=self.stride,
                        cancel=self.cancel,
                        run=self.runs[name],
                    )
                if not run.cancelled:
                    cache.put(key, run)
        except (VideoError, pose.CheckpointError, ValueError) as exc:
            self.error = str(exc)
        except Exception as exc:  # shown on the page rather than lost on a thread
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self.done = True
