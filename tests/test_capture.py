import time

import pytest
from conftest import write_video

from pose.capture import LatestFrameReader, SourceError
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
    with pytest.raises(SourceError, match="cannot open"):
        LatestFrameReader(str(tmp_path / "missing.mp4"))
    not_video = tmp_path / "notes.mp4"
    not_video.write_text("not a video")
    with pytest.raises(SourceError):
        LatestFrameReader(str(not_video))
