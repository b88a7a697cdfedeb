"""Live sources: the reader (newest frame first), the live loop (open, process, stop, and every way a
source goes wrong), and which typed sources a visitor may open."""

import re
import socket
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import write_video

from pose.live.capture import OPEN_TIMEOUT_S, LatestFrameReader, SourceError, SourcePolicy, check_source, source_policy
from pose.live.source import LiveSource, SourceState
from pose.measure.samples import moving_person_frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("capture") / "clip.avi", list(moving_person_frames(30, (160, 120))))


def test_reads_a_file_as_fast_as_it_decodes(clip):
    with LatestFrameReader(str(clip), realtime=False) as reader:
        frames = []
        while (frame := reader.read(timeout_s=2.0)) is not None:
            frames.append(frame)
    assert reader.ended and reader.error is None
    assert frames and frames[-1].index == 29
    assert [f.index for f in frames] == sorted({f.index for f in frames})  # never the same frame twice
    assert len(frames) + reader.frames_dropped == 30


def test_a_slow_consumer_gets_fresh_frames_and_drops_are_counted(clip):
    with LatestFrameReader(str(clip), realtime=True) as reader:  # 30 fps
        taken = []
        while (frame := reader.read(timeout_s=2.0)) is not None:
            taken.append(frame.index)
            time.sleep(0.1)  # a model at 10 fps
    assert reader.frames_dropped >= 10
    assert len(taken) + reader.frames_dropped == 30
    assert taken[-1] >= 27  # the last frames are not stale


def test_a_source_that_cannot_be_opened(tmp_path):
    with pytest.raises(SourceError, match="cannot open .*missing.mp4: no such file"):
        LatestFrameReader(str(tmp_path / "missing.mp4"))
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    with pytest.raises(SourceError, match="not a video file"):
        LatestFrameReader(str(not_video))


# --- the live loop ------------------------------------------------------------------------------


class Recorder:
    """A frame function that keeps what it was given and marks the frame it returns."""

    def __init__(self):
        self.calls = []

    def __call__(self, frame_bgr, timestamp_s, dropped_before):
        self.calls.append((frame_bgr.shape, timestamp_s, dropped_before))
        out = frame_bgr.copy()
        out[0, 0] = (1, 2, 3)
        return out


def test_a_file_plays_through_the_frame_function_and_ends(clip):
    process = Recorder()
    with LiveSource(str(clip), process, realtime=False) as live:
        updates = list(live.updates())
    assert updates[0].state is SourceState.CONNECTING and updates[0].message == "Connecting to clip.avi..."
    played = [u for u in updates if u.state is SourceState.PLAYING]
    assert played and all(u.frame_bgr is not None and tuple(u.frame_bgr[0, 0]) == (1, 2, 3) for u in played)
    assert [u.frames for u in played] == list(range(1, len(played) + 1))
    assert updates[-1].state is SourceState.ENDED and updates[-1].finished and updates[-1].message == "clip.avi ended."
    assert len(process.calls) == len(played)
    assert len(played) + sum(dropped for _, _, dropped in process.calls) == 30  # every frame processed or counted
    timestamps = [t for _, t, _ in process.calls]
    assert timestamps == sorted(timestamps)


def test_a_looping_file_says_it_started_over_and_stops_on_request(clip):
    process = Recorder()
    live = LiveSource(str(clip), process, loop=True, realtime=True)  # 30 frames at 30 fps: a pass a second
    once = None
    for update in live.updates():
        once = update.message if update.loops == 1 and once is None else once
        if update.loops >= 2:
            break
    live.stop()
    assert update.state is SourceState.PLAYING
    assert once == "Playing clip.avi (started over once)"
    assert re.fullmatch(rf"Playing clip\.avi \(started over {update.loops} times\)", update.message)
    assert len(process.calls) + sum(dropped for _, _, dropped in process.calls) >= 60  # two whole passes
    calls = len(process.calls)
    live.stop()  # twice is fine
    time.sleep(0.2)
    assert len(process.calls) == calls


def test_a_missing_file_fails_with_a_message_not_an_exception(tmp_path):
    with LiveSource(str(tmp_path / "missing.mp4"), Recorder()) as live:
        updates = list(live.updates())
    assert [u.state for u in updates] == [SourceState.CONNECTING, SourceState.FAILED]
    assert updates[-1].message.startswith("Cannot open") and "no such file" in updates[-1].message


@pytest.fixture()
def tcp_server():
    """A server on 127.0.0.1 running ``handle(connection)`` for each connection; yields its port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    handlers = []
    connections = []

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            connections.append(connection)
            if handlers:
                threading.Thread(target=handlers[0], args=(connection, stop), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], handlers
    stop.set()
    thread.join()
    for connection in connections:
        connection.close()
    server.close()


def test_a_stream_that_never_answers_says_so_within_seconds(tcp_server):
    port, _ = tcp_server  # accepts, never answers
    started = time.monotonic()
    with LiveSource(f"http://user:secret@127.0.0.1:{port}/live", Recorder()) as live:
        updates = []
        for update in live.updates():
            updates.append((update, time.monotonic() - started))
    (first, first_s), (last, last_s) = updates[0], updates[-1]
    # CONNECTING comes before the open that waits OPEN_TIMEOUT_S (a loaded machine only makes the wait longer)
    assert first.state is SourceState.CONNECTING and last_s - first_s >= 0.9 * OPEN_TIMEOUT_S
    assert f"127.0.0.1:{port}/live" in first.message and "secret" not in first.message
    assert last.state is SourceState.FAILED and "no video stream answered within 5 s" in last.message
    assert "no other program" not in last.message  # that advice is for cameras
    # OpenCV's own open timeout is 30 s: failing well before it is our timeout at work, however loaded the machine
    assert last_s < 25.0, f"the page stayed silent for {last_s:.1f} s"


def _mjpeg_then_silence(n_frames):
    """An HTTP MJPEG camera that sends ``n_frames`` and then goes quiet, connection open."""

    def handle(connection, stop):
        connection.recv(65536)
        connection.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n")
        for i in range(n_frames):
            jpeg = cv2.imencode(".jpg", np.full((120, 160, 3), 8 * i, np.uint8))[1].tobytes()
            head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(jpeg)
            connection.sendall(head + jpeg + b"\r\n")
            time.sleep(0.02)
        stop.wait()

    return handle


def test_a_looping_file_stops_at_the_frame_limit(clip):
    process = Recorder()
    with LiveSource(str(clip), process, loop=True, realtime=False, max_frames=45) as live:  # 1.5 passes
        updates = list(live.updates())
    played = [u for u in updates if u.state is SourceState.PLAYING]
    assert len(played) == len(process.calls) == 45 and played[-1].loops >= 1
    last = updates[-1]
    assert last.state is SourceState.ENDED and last.finished and last.frames == 45
    assert last.message == "Stopped clip.avi after 45 frames, the limit here."
    with pytest.raises(ValueError, match="max_frames must be at least 1"):
        LiveSource(str(clip), process, max_frames=0)


def test_a_slow_frame_does_not_hide_a_stall(tcp_server):
    """The stall is counted from the newest frame's arrival, not from the end of its processing: a frame
    processed for longer than the stall period is followed by the STALLED update at once, before the read
    timeout loses the stream (counted from the end of processing, the stall would come after it)."""
    port, handlers = tcp_server
    handlers.append(_mjpeg_then_silence(5))
    calls = []

    def slow_on_the_last_frame(frame_bgr, timestamp_s, dropped_before):
        calls.append(time.monotonic())
        if frame_bgr.mean() > 28:  # the last frame (grey level 32): 4 s of processing
            time.sleep(4.0)
        return frame_bgr

    url = f"http://127.0.0.1:{port}/video"
    with LiveSource(url, slow_on_the_last_frame, stall_after_s=4.0, read_timeout_s=6.0) as live:
        states = [u.state for u in live.updates()]
    assert states[-1] is SourceState.LOST
    played = max(i for i, state in enumerate(states) if state is SourceState.PLAYING)
    assert states[played + 1] is SourceState.STALLED, states


def test_a_stream_that_goes_quiet_is_stalled_then_lost(tcp_server):
    port, handlers = tcp_server
    handlers.append(_mjpeg_then_silence(12))
    process = Recorder()
    with LiveSource(f"http://127.0.0.1:{port}/video", process, stall_after_s=0.5, read_timeout_s=2.0) as live:
        states = [u.state for u in live.updates()]
    assert SourceState.PLAYING in states and len(process.calls) >= 1
    assert SourceState.STALLED in states[states.index(SourceState.PLAYING) :]
    assert states[-1] is SourceState.LOST


# --- which typed sources a visitor may open ------------------------------------------------------


def test_unset_local_visitors_may_open_anything_others_nothing(tmp_path):
    local = source_policy(None, local=True)
    assert check_source(f" {tmp_path}/clip.mp4 ", local) == f"{tmp_path}/clip.mp4"
    assert check_source("rtsp://camera.local/stream", local) == "rtsp://camera.local/stream"
    remote = source_policy(None, local=False)
    assert not remote.allows_any
    for target in ("/etc/passwd", "http://169.254.169.254/latest/meta-data", "clip.mp4"):
        with pytest.raises(SourceError, match="refused: opening files and stream URLs typed here is off.*README"):
            check_source(target, remote)
    assert source_policy("", local=False) == remote  # an empty setting is no setting


def test_an_allow_list_of_folders_and_schemes_applies_to_everyone(tmp_path):
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    (clips / "escape.mp4").symlink_to(tmp_path / "secret.txt")
    for local in (True, False):
        policy = source_policy(f"{clips}, rtsp://,HTTPS://", local=local)
        assert policy == SourcePolicy(folders=(clips.resolve(),), schemes=("rtsp", "https"))
        assert check_source(str(clips / "sub" / "walk.mp4"), policy) == str(clips.resolve() / "sub" / "walk.mp4")
        assert check_source("https://example.org/cam.m3u8", policy) == "https://example.org/cam.m3u8"
        for target, reason in [
            (str(tmp_path / "secret.txt"), "is outside the folders"),
            (f"{clips}/../secret.txt", "is outside the folders"),
            (str(clips / "escape.mp4"), "is outside the folders"),  # a symlink out of the folder
            ("http://10.0.0.1/admin", r"http:// URLs may not be opened here \(allowed: rtsp://, https://\)"),
            ("file:///etc/passwd", "file:// URLs may not be opened"),
        ]:
            with pytest.raises(SourceError, match=reason):
                check_source(target, policy)


def test_off_any_and_malformed_settings():
    for setting in ("off", ["off"], "none"):
        policy = source_policy(setting, local=True)
        with pytest.raises(SourceError, match=r"refused: .*turned off \(CONVNEXTPOSE_OPEN_SOURCES\)"):
            check_source("clip.mp4", policy)
    assert source_policy("any", local=False).anything
    assert source_policy(["/srv/clips", "rtsp://"], local=False).schemes == ("rtsp",)  # st.secrets gives a list
    with pytest.raises(ValueError, match="neither an absolute folder nor a scheme"):
        source_policy("clips", local=True)
    with pytest.raises(SourceError, match="enter a stream URL or a video file path"):
        check_source("   ", source_policy(None, local=True))


def test_the_readme_documents_the_setting():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "CONVNEXTPOSE_OPEN_SOURCES" in readme and "open_sources" in readme
