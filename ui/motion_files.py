"""Motion files on the pages: download buttons per person (Video, Live), and the Live page's Record / Stop.

The recorder (:class:`pose.export.MotionRecorder`) lives in the session and
outlasts processor rebuilds and stream restarts; the first estimator of the
session's processor feeds it. A take's files are written once, into a private
folder of the session, when the take has ended (Stop, the cap, or the stream's end).
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from pose.draw import DrawOptions
from pose.export import FORMATS, MAX_GAP_FRAMES, MotionRecorder, RecordingEstimator, motion_file_name
from pose.live import LiveProcessor

LABELS = {".bvh": "BVH (animation)", ".trc": "TRC (OpenSim)", ".c3d": "C3D"}


def motion_downloads(paths: Sequence[Path], stem: str, key: str, person: int | None = None) -> None:
    """BVH, TRC and C3D download buttons for ``person`` (an id: the Video page's choice), or, where None, for one
    person chosen here when there are several (the Live page's take)."""
    by_person: dict[str, list[Path]] = {}
    for path in paths:
        by_person.setdefault(path.stem, []).append(path)  # "person-3"
    if not by_person:
        return
    if person is not None:
        name = Path(motion_file_name(person, "bvh")).stem
        if name not in by_person:  # write_motion_files leaves out a person a file cannot be made for
            st.caption(f"No motion files for #{person}: a joint of theirs was never found, and BVH needs every joint.")
            return
    st.markdown("**Motion files** (Y up; TRC and C3D in millimetres, BVH in metres: see the README)")
    if person is None:
        people = sorted(by_person, key=lambda name: int(name.rsplit("-", 1)[1]))
        name = people[0] if len(people) == 1 else st.selectbox("Person", people, key=f"motion-person-{key}")
    for col, path in zip(st.columns(len(FORMATS)), sorted(by_person[name])):
        col.download_button(
            LABELS[path.suffix], path.read_bytes(), f"{stem}-{path.name}", "application/octet-stream",
            key=f"{path.name}-{key}",
        )  # fmt: skip


def session_recorder(key: str = "live") -> MotionRecorder:
    """This session's recorder (kept across reruns and processor rebuilds)."""
    return st.session_state.setdefault(f"{key}_recorder", MotionRecorder())


def recording_processor(recorder: MotionRecorder, draw: DrawOptions):
    """A ``make`` for :func:`ui.live_session.session_processor`: a LiveProcessor whose first estimator records."""

    def make(estimators):
        return LiveProcessor([RecordingEstimator(estimators[0], recorder), *estimators[1:]], draw)

    return make


def _take_files(recorder: MotionRecorder, key: str) -> list[Path]:
    """The ended take's files, written once per take into the session's folder."""
    folder = st.session_state.setdefault(f"{key}_recording_tmp", tempfile.TemporaryDirectory(prefix="pose-take-"))
    written = st.session_state.get(f"{key}_recording_files")
    if written is None or written[0] != (recorder.take, recorder.frames):
        out = Path(folder.name) / f"take-{recorder.take}"
        written = ((recorder.take, recorder.frames), recorder.write(out, tuple(FORMATS)))
        st.session_state[f"{key}_recording_files"] = written
    return written[1]


def _zip(paths: Sequence[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            archive.write(path, path.name)
    return buffer.getvalue()


def _start(recorder: MotionRecorder, take: int) -> None:
    """Start the take after ``take``: a click delivered twice (a fragment rerun racing it) starts one take."""
    if not recorder.recording and recorder.take == take:
        recorder.start()


def _stop(recorder: MotionRecorder, take: int) -> None:
    if recorder.take == take:
        recorder.stop()


def recording_panel(recorder: MotionRecorder, playing: bool, key: str = "live") -> None:
    """Record / Stop recording while the source plays; the take's files once it has ended."""
    if recorder.recording and not playing:
        recorder.stop()  # the stream ended: the take is kept
    left, right = st.columns([1, 4])
    if recorder.recording:
        left.button("Stop recording", key=f"{key}_record_stop", on_click=_stop, args=(recorder, recorder.take))
        right.caption(
            f"Recording: {recorder.frames} frames, {recorder.duration_s:.1f} s (stops by itself at "
            f"{recorder.max_frames} frames)."
        )
        return
    left.button("Record", key=f"{key}_record", on_click=_start, args=(recorder, recorder.take), disabled=not playing)
    if not recorder.frames:
        right.caption("Record the people in view, then download their motion as BVH, TRC and C3D.")
        return
    why = f"stopped at the cap of {recorder.max_frames} frames" if recorder.full else "ended"
    right.caption(f"Take {recorder.take} {why}: {recorder.frames} frames, {recorder.duration_s:.1f} s.")
    paths = _take_files(recorder, key)
    if not paths:
        st.info("Nobody was in view during the take.")
        return
    if recorder.rate_hz:  # the take's frames came as the page processed them; the files hold them on a clock
        st.caption(
            f"The motion files hold the take at {recorder.rate_hz:g} rows a second (its frames' median rate), so "
            "they have more rows than frames where the page dropped some; a person's rows are filled in across "
            f"a gap of up to {MAX_GAP_FRAMES} frames and left empty across a longer one."
        )
    stem = f"live-take-{recorder.take}"
    st.download_button("All motion files (zip)", _zip(paths), f"{stem}.zip", "application/zip", key=f"{key}_zip")
    motion_downloads(paths, stem, f"{key}-take")
