"""Video files in and out, and the whole-file pipeline: ``python -m pose.video INPUT --variant XS --out DIR``.

Reading and writing go through PyAV (the FFmpeg that the WebRTC stack
already brings): rotation metadata is honoured, timestamps are kept as they
are (variable frame rates included), and the annotated result is H.264 /
yuv420p MP4, which every browser plays. Frames stream through: memory stays
bounded whatever the video's length.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import numpy as np

from ..estimator import PoseEstimator, PoseResult
from ..render import draw_message, draw_person
from ..skeleton import JOINT_NAMES

__all__ = [
    "VideoError",
    "VideoInfo",
    "probe",
    "read_frames",
    "Mp4Writer",
    "VideoRun",
    "process_video",
    "write_keypoints_csv",
    "CSV_COLUMNS",
    "main",
]

log = logging.getLogger(__name__)

CSV_COLUMNS = ("frame", "time", "joint", "x_px", "y_px", "x_mm", "y_mm", "z_mm", "confidence")


_IMAGE_FORMATS = {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe", "webp_pipe", "gif", "tiff_pipe"}


class VideoError(ValueError):
    """A file that cannot be used as a video; the message says why."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file is."""

    duration_s: float
    fps: float
    width: int  # as displayed (after rotation)
    height: int
    codec: str
    rotation: int  # degrees, counter-clockwise, applied when reading
    frame_count: int  # from the container; an estimate for some formats
    size_bytes: int
    container: str


def _open(path: str | Path):
    path = Path(path)
    if not path.is_file():
        raise VideoError(f"{path.name}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise VideoError(f"{path.name}: the file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
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
    """Describe a video file by decoding its header and first frame.

    Raises:
        VideoError: empty, not a video, no video stream, an unsupported codec,
            or no decodable frame.
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
        duration = (
            float(stream.duration * stream.time_base)
            if stream.duration
            else (container.duration / 1e6 if container.duration else 0.0)
        )
        frames = stream.frames or int(round(duration * fps))
        return VideoInfo(duration, fps, width, height, codec, rotation, frames, size, container.format.name)
    finally:
        container.close()


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Rotate by the display matrix's counter-clockwise angle, as players do."""
    turns = int(round(rotation / 90.0)) % 4
    return np.ascontiguousarray(np.rot90(image, k=turns)) if turns else image


@dataclass
class ReadReport:
    """How reading went: frames decoded, and where and why it stopped early."""

    frames: int = 0
    stopped_early: str | None = None


def read_frames(
    path: str | Path, *, start: int = 0, stop: int | None = None, stride: int = 1, report: ReadReport | None = None
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (frame index, time in seconds, upright BGR frame) for frames start, start+stride, ... < stop.

    A file that breaks off mid-way yields what decodes; ``report.stopped_early``
    then says where it stopped.

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
        index = -1
        try:
            for frame in container.decode(stream):
                index += 1
                if stop is not None and index >= stop:
                    break
                if index < start or (index - start) % stride:
                    continue
                seconds = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 30)
                image = _upright(frame.to_ndarray(format="bgr24"), int(getattr(frame, "rotation", 0) or 0))
                report.frames += 1
                yield index, seconds, image
        except (av.error.FFmpegError, ValueError) as exc:
            report.stopped_early = f"decoding stopped at frame {index + 1}: {exc}"
            log.warning("%s: %s", path, report.stopped_early)
    finally:
        container.close()


class Mp4Writer:
    """H.264 / yuv420p MP4 (plays in every browser), frames written as they come."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 23) -> None:
        width, height = size
        self.path = Path(path)
        self._container = av.open(str(self.path), "w", format="mp4")
        rate = max(1, int(round(fps * 1000)))
        from fractions import Fraction

        self._stream = self._container.add_stream("libx264", rate=Fraction(rate, 1000))
        # yuv420p needs even dimensions
        self._stream.width, self._stream.height = width - width % 2, height - height % 2
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": "veryfast", "movflags": "+faststart"}
        self.frames = 0

    def write(self, image_bgr: np.ndarray) -> None:
        image = image_bgr[: self._stream.height, : self._stream.width]
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames += 1

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> Mp4Writer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class VideoRun:
    """The outcome of :func:`process_video`, filled in as frames are processed.

    Arrays are per processed frame: ``keypoints_2d`` (F, 18, 2) and the rest
    NaN where nobody was found.
    """

    info: VideoInfo
    estimator: str
    settings: dict
    frame_indices: list = field(default_factory=list)
    times_s: list = field(default_factory=list)
    keypoints_2d: list = field(default_factory=list)
    keypoints_3d: list = field(default_factory=list)
    keypoints_rel: list = field(default_factory=list)
    confidence: list = field(default_factory=list)
    process_ms: list = field(default_factory=list)
    frames_total: int = 0
    cancelled: bool = False
    stopped_early: str | None = None
    trained: bool = True
    video_path: Path | None = None
    csv_path: Path | None = None
    json_path: Path | None = None
    wall_s: float = 0.0

    @property
    def frames_done(self) -> int:
        return len(self.frame_indices)

    @property
    def frames_with_person(self) -> int:
        return int(sum(not np.isnan(k[0, 0]) for k in self.keypoints_2d))

    def add(self, index: int, seconds: float, result: PoseResult, ms: float) -> None:
        nan = np.full((18, 3), np.nan)
        person = result.people[0] if result.people else None
        self.frame_indices.append(index)
        self.times_s.append(seconds)
        self.keypoints_2d.append(person.keypoints_2d if person else nan[:, :2])
        self.keypoints_3d.append(person.keypoints_3d if person else nan)
        self.keypoints_rel.append(person.keypoints_rel if person else nan)
        self.confidence.append(person.confidence if person else nan[:, 0])
        self.process_ms.append(ms)


def write_keypoints_csv(run: VideoRun, path: Path) -> Path:
    """One row per frame and joint: frame, time, joint, x_px, y_px, x_mm, y_mm, z_mm, confidence."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for i, (index, seconds) in enumerate(zip(run.frame_indices, run.times_s)):
            if np.isnan(run.keypoints_2d[i][0, 0]):
                continue
            for j, name in enumerate(JOINT_NAMES):
                x, y = run.keypoints_2d[i][j]
                cx, cy, cz = run.keypoints_3d[i][j]
                writer.writerow(
                    [
                        index,
                        f"{seconds:.4f}",
                        name,
                        f"{x:.2f}",
                        f"{y:.2f}",
                        f"{cx:.1f}",
                        f"{cy:.1f}",
                        f"{cz:.1f}",
                        f"{run.confidence[i][j]:.4f}",
                    ]
                )
    return path


def write_keypoints_json(run: VideoRun, path: Path) -> Path:
    """The video's metadata, the estimator, the settings and every frame's people."""
    frames = []
    for i, (index, seconds) in enumerate(zip(run.frame_indices, run.times_s)):
        people = []
        if not np.isnan(run.keypoints_2d[i][0, 0]):
            people.append(
                {
                    "keypoints_2d_px": np.round(run.keypoints_2d[i], 2).tolist(),
                    "keypoints_3d_mm": np.round(run.keypoints_3d[i], 1).tolist(),
                    "keypoints_rel_mm": np.round(run.keypoints_rel[i], 1).tolist(),
                    "confidence": np.round(run.confidence[i], 4).tolist(),
                }
            )
        frames.append({"frame": index, "time": round(seconds, 4), "people": people})
    payload = {
        "video": asdict(run.info),
        "estimator": run.estimator,
        "trained": run.trained,
        "settings": run.settings,
        "joints": list(JOINT_NAMES),
        "frames_processed": run.frames_done,
        "cancelled": run.cancelled,
        "stopped_early": run.stopped_early,
        "frames": frames,
    }
    path.write_text(json.dumps(payload))
    return path


def process_video(
    path: str | Path,
    estimator: PoseEstimator,
    out_dir: str | Path,
    *,
    start: int = 0,
    stop: int | None = None,
    stride: int = 1,
    batch_size: int = 4,
    draw: bool = True,
    progress: Callable[[VideoRun], None] | None = None,
    cancel: threading.Event | None = None,
    run: VideoRun | None = None,
) -> VideoRun:
    """Run ``estimator`` over a video file, writing the annotated MP4, the CSV and the JSON to ``out_dir``.

    Frames are read, batched (``batch_size`` crops per inference call) and
    written out as they go. ``cancel`` stops after the current batch, keeping
    what was done; a file that breaks off is processed as far as it decodes.

    Raises:
        VideoError: when the file cannot be read as a video.
    """
    info = probe(path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    end = min(stop, info.frame_count) if stop else info.frame_count
    settings = {
        "start": start,
        "stop": stop,
        "stride": stride,
        "detect_every": estimator.detect_every,
        "smoothing": estimator.smoothing,
        "flip_test": estimator.flip_test,
        "fov_deg": estimator.fov_deg,
        "backend": estimator.backend,
        "device": estimator.device,
        "precision": estimator.precision,
    }
    run = run or VideoRun(info, estimator.variant, settings)
    run.info, run.estimator, run.settings, run.trained = info, estimator.variant, settings, estimator.trained
    run.frames_total = max(1, len(range(start, max(end, start + 1), stride)))
    fps_out = info.fps / stride
    report = ReadReport()
    estimator.reset()  # a new sequence: no track or smoothing carried over from another video
    started = time.perf_counter()
    run.video_path = out_dir / "annotated.mp4"
    with Mp4Writer(run.video_path, fps_out, (info.width, info.height)) as writer:
        batch: list[tuple[int, float, np.ndarray]] = []

        def flush() -> None:
            t0 = time.perf_counter()
            results = estimator.process_batch([f for _, _, f in batch], [s for _, s, _ in batch])
            ms = (time.perf_counter() - t0) * 1e3 / len(batch)
            for (index, seconds, frame), result in zip(batch, results):
                run.add(index, seconds, result, ms)
                if draw:
                    for person in result.people:
                        draw_person(frame, person.keypoints_2d)
                    draw_message(
                        frame,
                        f"{estimator.variant} | frame {index}" + ("" if result.people else " | no person detected"),
                    )
                writer.write(frame)
            batch.clear()
            run.wall_s = time.perf_counter() - started
            if progress:
                progress(run)

        for item in read_frames(path, start=start, stop=stop, stride=stride, report=report):
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
                if cancel is not None and cancel.is_set():
                    run.cancelled = True
                    break
        if batch:
            flush()
    run.stopped_early = report.stopped_early
    if run.frames_done == 0:
        run.video_path.unlink(missing_ok=True)
        run.video_path = None
        raise VideoError(
            f"{Path(path).name}: no frame could be decoded"
            + (f" ({report.stopped_early})" if report.stopped_early else "")
        )
    run.csv_path = write_keypoints_csv(run, out_dir / "keypoints.csv")
    run.json_path = write_keypoints_json(run, out_dir / "keypoints.json")
    run.wall_s = time.perf_counter() - started
    return run


def _progress_bar(run: VideoRun) -> None:
    done, total = run.frames_done, run.frames_total
    fps = done / run.wall_s if run.wall_s else 0.0
    left = (total - done) / fps if fps else 0.0
    filled = int(30 * min(done, total) / total)
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} frames  {fps:5.1f} fps  {left:5.0f} s left"
    )
    sys.stderr.flush()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pose.video", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="a video file (mp4, mov, avi, mkv, webm)")
    parser.add_argument("--variant", default="XS", help="XS, S, M, L or BlazePose")
    parser.add_argument("--out", default="pose-output", help="folder for annotated.mp4, keypoints.csv, keypoints.json")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--start", type=int, default=0, help="first frame")
    parser.add_argument("--stop", type=int, default=None, help="stop before this frame")
    parser.add_argument("--stride", type=int, default=1, help="process every Nth frame")
    parser.add_argument("--no-smoothing", action="store_true")
    parser.add_argument("--flip-test", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        info = probe(args.input)
        print(
            f"{args.input}: {info.width}x{info.height} {info.codec}, {info.fps:.2f} fps, {info.duration_s:.1f} s, "
            f"rotation {info.rotation}",
            file=sys.stderr,
        )
        with PoseEstimator(
            args.variant,
            backend=args.backend,
            device=args.device,
            precision=args.precision,
            smoothing=not args.no_smoothing,
            flip_test=args.flip_test,
        ) as estimator:
            run = process_video(
                args.input,
                estimator,
                args.out,
                start=args.start,
                stop=args.stop,
                stride=args.stride,
                progress=_progress_bar,
            )
    except (VideoError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stderr.write("\n")
    if not run.trained:
        print(
            f"warning: ConvNeXtPose-{run.estimator} ran untrained weights: the skeleton is meaningless", file=sys.stderr
        )
    if run.stopped_early:
        print(f"warning: {run.stopped_early}; the frames before it were processed", file=sys.stderr)
    print(
        f"{run.frames_done} frames ({run.frames_with_person} with a person) in {run.wall_s:.1f} s "
        f"({run.frames_done / max(run.wall_s, 1e-9):.1f} fps) -> {run.video_path}, {run.csv_path}, {run.json_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
