"""Processing uploaded videos on a background thread: progress snapshots, cancel, a zip, and a result cache
whose results never vanish from under a page that shows them."""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import os
import re
import shutil
import tempfile
import threading
import uuid
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path

import streamlit as st

import pose
from pose.video import (
    VIDEO_SUFFIXES,
    Outcome,
    Track,
    VideoError,
    VideoInfo,
    VideoRun,
    VideoSettings,
    people_in,
    probe,
    process_one,
    read_track,
    write_zip,
)

from .controls import EstimatorSettings

log = logging.getLogger(__name__)

VIDEO_TYPES = VIDEO_SUFFIXES
RESULTS_PREFIX = "convnextpose-results-"
DEFAULT_CACHE_MB = 2048


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


# --- the result cache ------------------------------------------------------------------------------------------


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_results(parent: Path) -> list[Path]:
    """Remove results folders left by servers that are no longer running (their pid is in the name)."""
    removed = []
    for folder in parent.glob(RESULTS_PREFIX + "*"):
        match = re.match(re.escape(RESULTS_PREFIX) + r"(\d+)-", folder.name)
        if folder.is_dir() and (match is None or not _pid_alive(int(match[1]))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def results_root(parent: Path | None = None) -> Path:
    """This server's results folder: stale ones from earlier servers removed, this one removed at exit."""
    parent = Path(parent or tempfile.gettempdir())
    for folder in remove_stale_results(parent):
        log.info("removed %s, left by a server that is gone", folder)
    root = Path(tempfile.mkdtemp(prefix=f"{RESULTS_PREFIX}{os.getpid()}-", dir=parent))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


@dataclass
class _Entry:
    key: tuple
    folder: Path
    run: VideoRun | None = None  # set when published (a complete run that others may reuse)
    holders: int = 0
    size_bytes: int = 0
    last_used: int = 0


class Lease:
    """A hold on one cached result: its folder stays until the lease is released or collected."""

    def __init__(self, cache: ResultCache, entry_id: int, entry: _Entry) -> None:
        self.entry_id, self.folder, self._entry = entry_id, entry.folder, entry
        self._release = weakref.finalize(self, cache._drop, entry_id)

    @property
    def run(self) -> VideoRun | None:
        """The finished run, once published."""
        return self._entry.run

    def release(self) -> None:
        self._release()


class ResultCache:
    """Finished runs keyed by (file hash, settings objects), their files in one folder, bounded in bytes.

    A result is evicted only when no live session holds a :class:`Lease` on it
    (least recently used first), so what a page shows stays readable for as
    long as the page shows it. Held results may keep the cache over its bound
    until they are released.
    """

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self._entries: dict[int, _Entry] = {}
        self._index: dict[tuple, int] = {}  # key -> the published entry
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self._lock = threading.Lock()

    def _lease(self, entry_id: int, entry: _Entry) -> Lease:
        entry.holders += 1
        entry.last_used = next(self._clock)
        return Lease(self, entry_id, entry)

    def lookup(self, key: tuple) -> Lease | None:
        """A held lease on the finished run for ``key``, or None."""
        with self._lock:
            entry_id = self._index.get(key)
            return None if entry_id is None else self._lease(entry_id, self._entries[entry_id])

    def reserve(self, key: tuple) -> Lease:
        """A held lease on a new, empty folder for a run of ``key``."""
        with self._lock:
            entry_id = next(self._ids)
            folder = self.root / f"{entry_id:06d}-{uuid.uuid4().hex[:8]}"
            folder.mkdir(parents=True)
            self._entries[entry_id] = entry = _Entry(key, folder)
            return self._lease(entry_id, entry)

    def publish(self, lease: Lease, run: VideoRun) -> None:
        """Make a complete run findable by its key (replacing an older result for the same key)."""
        with self._lock:
            entry_id = lease.entry_id
            entry = self._entries[entry_id]
            entry.run, entry.size_bytes = run, _folder_bytes(entry.folder)
            previous = self._index.get(entry.key)
            self._index[entry.key] = entry_id
            if previous is not None and self._entries[previous].holders == 0:
                self._remove(previous)
            self._evict()

    def _drop(self, entry_id: int) -> None:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None:
                return
            entry.holders -= 1
            if entry.holders == 0 and self._index.get(entry.key) != entry_id:
                self._remove(entry_id)  # unpublished (cancelled, failed) or replaced: nobody can find it again
            self._evict()

    def _remove(self, entry_id: int) -> None:
        entry = self._entries.pop(entry_id)
        if self._index.get(entry.key) == entry_id:
            del self._index[entry.key]
        shutil.rmtree(entry.folder, ignore_errors=True)

    def _evict(self) -> None:
        free = sorted((e.last_used, i) for i, e in self._entries.items() if e.holders == 0 and e.run is not None)
        for _, entry_id in free:
            if self.total_bytes <= self.max_bytes:
                break
            self._remove(entry_id)

    @property
    def total_bytes(self) -> int:
        return sum(e.size_bytes for e in self._entries.values())

    def __len__(self) -> int:
        return len(self._index)


@st.cache_resource
def result_cache() -> ResultCache:
    megabytes = int(os.environ.get("CONVNEXTPOSE_VIDEO_CACHE_MB", DEFAULT_CACHE_MB))
    return ResultCache(results_root(), megabytes << 20)


@st.cache_data(max_entries=16, show_spinner=False)
def load_people(json_path: str) -> dict[int, int]:
    """The people of a run's JSON: id -> frames seen, the most seen first (each run has its own folder, so the
    path names it)."""
    return people_in(json_path)


@st.cache_data(max_entries=16, show_spinner=False)
def load_track(json_path: str, person: int | None = None) -> Track:
    """One person's track from a run's JSON (None: the person seen most)."""
    return read_track(json_path, person)


# --- the job ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A saved upload: the user's file name, our copy, its hash and what it is."""

    name: str
    path: Path
    digest: str
    info: VideoInfo


def probe_upload(uploaded) -> Upload | str:
    """Save and probe an upload: an :class:`Upload`, or the reason it cannot be used."""
    path, digest = save_upload(uploaded)
    try:
        return Upload(uploaded.name, path, digest, probe(path))
    except VideoError as exc:
        return str(exc).split(": ", 1)[-1]


@dataclass(frozen=True)
class ItemState:
    """One (file, estimator) of a job, as the page sees it at one moment."""

    file: str
    estimator: str
    status: str = "waiting"  # waiting, running, then an Outcome's status ("reused" for a result kept from before)
    progress: pose.video.Progress | None = None
    outcome: Outcome | None = None
    reused: bool = False


@dataclass(frozen=True)
class JobState:
    """An immutable snapshot of a whole job; the worker replaces it, the page reads it."""

    items: tuple[ItemState, ...]
    done: bool = False
    error: str | None = None
    zip_path: Path | None = None

    def item(self, file: str, estimator: str) -> ItemState:
        return next(i for i in self.items if i.file == file and i.estimator == estimator)


@dataclass
class VideoJob:
    """Runs each chosen estimator over each uploaded file, one after another; the page polls ``state``."""

    uploads: tuple[Upload, ...]
    settings: EstimatorSettings
    workdir: Path  # the session's private folder, for the zip
    start: int = 0
    stop: int | None = None
    stride: int = 1
    cancel: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.state = JobState(tuple(ItemState(u.name, n) for u in self.uploads for n in self.settings.estimators))
        self._leases: list[Lease] = []
        self._released = False

    def video_settings(self, name: str) -> VideoSettings:
        config = replace(self.settings.config, variant=name)
        return VideoSettings(config, start=self.start, stop=self.stop, stride=self.stride)

    def key(self, upload: Upload, name: str) -> tuple:
        """The cache key: the file's hash and the settings objects themselves (a new field can never go stale)."""
        return (upload.digest, self.video_settings(name), replace(self.settings, estimators=(name,)))

    def launch(self) -> None:
        """Take cached runs and build the other estimators on the script thread (errors show there),
        then process on a worker thread."""
        cache = result_cache()
        self._cache = cache
        self._cached: dict[tuple, Lease] = {}
        for upload in self.uploads:
            for name in self.settings.estimators:
                lease = cache.lookup(self.key(upload, name))
                if lease is not None:
                    self._cached[(upload.name, name)] = lease
                    self._leases.append(lease)
        missing = {n for u in self.uploads for n in self.settings.estimators if (u.name, n) not in self._cached}
        self._estimators = {name: self.settings.build(name) for name in missing}
        threading.Thread(target=self._work, name="video-job", daemon=True).start()

    def _set(self, file: str, name: str, **changes) -> None:
        items = tuple(replace(i, **changes) if (i.file, i.estimator) == (file, name) else i for i in self.state.items)
        self.state = replace(self.state, items=items)

    def _work(self) -> None:
        try:
            for upload in self.uploads:
                for name in self.settings.estimators:
                    if self.cancel.is_set():
                        break
                    self._one(upload, name)
            self._finish()
        except Exception as exc:  # shown on the page rather than lost on a thread
            log.exception("video job failed")
            self.state = replace(self.state, error=f"{type(exc).__name__}: {exc}")
        finally:
            for estimator in self._estimators.values():
                estimator.close()
            self.state = replace(self.state, done=True)
            if self._released:
                self._let_go()

    def _one(self, upload: Upload, name: str) -> None:
        cached = self._cached.get((upload.name, name))
        if cached is not None:
            run = cached.run
            # "reused", not the batch command's "skipped": its results are shown below as any other run's
            outcome = Outcome(upload.name, "reused", run.frames_done, run.people, run.wall_s, run=run)
            self._set(upload.name, name, status="reused", outcome=outcome, reused=True)
            return
        lease = self._cache.reserve(self.key(upload, name))
        self._leases.append(lease)
        self._set(upload.name, name, status="running")
        outcome = process_one(
            upload.path,
            lease.folder,
            self.video_settings(name),
            name=upload.name,
            estimator=self._estimators[name],
            progress=lambda p: self._set(upload.name, name, progress=p),
            cancel=self.cancel,
        )
        if outcome.status == "done":
            self._cache.publish(lease, outcome.run)
        self._set(upload.name, name, status=outcome.status, outcome=outcome)

    def _finish(self) -> None:
        shown = [i for i in self.state.items if i.outcome is not None and i.outcome.run is not None]
        if not shown:
            return
        stems = {i.file: Path(i.file).stem for i in shown}
        folders = [(f"{stems[i.file]}-{i.estimator}", i.outcome.run.json_path.parent) for i in shown]
        zip_path = self.workdir / f"outputs-{uuid.uuid4().hex[:8]}.zip"
        self.state = replace(self.state, zip_path=write_zip(zip_path, folders))

    def release(self) -> None:
        """Let the cache evict this job's results (the page no longer shows them); a running job stops first."""
        self.cancel.set()
        self._released = True
        if self.state.done:
            self._let_go()

    def _let_go(self) -> None:
        for lease in self._leases:
            lease.release()
        if self.state.zip_path is not None:
            self.state.zip_path.unlink(missing_ok=True)
