"""Accuracy on annotated photos: ``python -m pose.measure.accuracy ANNOTATIONS [--estimators BlazePose XS]``.

Each image goes through each estimator in static-image mode (detect on the whole image, no tracking, no
smoothing); its people are matched to the ground truth and scored (the rules:
:mod:`pose.measure.scoring`): detection recall and precision over clear people, part boxes, PCK@0.2,
COCO keypoint AP, and for people with 3D ground truth MPJPE, PA-MPJPE and the pelvis depth error.

ANNOTATIONS is a COCO keypoints JSON or a realgt ``annotations.json`` (or the folder holding it); image
paths are relative to it (:mod:`pose.measure.annotations`). ``--camera true`` gives the estimator each
image's own camera (its focal length) where the annotations have one; ``default`` the estimator's
field of view (``--fov``, ``--focal``). ``--estimators detector`` also scores the person detector alone (the
bundled one, or ``--detector``): its own boxes, every person it gives, for recall, precision and part boxes,
so that a person lost between the detector and the pose is told from one the detector never saw.
``--out DIR`` writes ``accuracy.json``, ``images.csv`` and
``people.csv``; ``--draw DIR`` draws every image with a miss or a false detection.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from ..config import ESTIMATORS
from ..detect import create_detector, describe_detector
from ..engine.estimator import PoseEstimator
from .annotations import AnnotatedImage, AnnotationError, read_annotations
from .coco_ap import coco_keypoint_ap
from .score_drawing import draw_misses, legend
from .scoring import JOINT_MAP, PCK_ALPHA, STRICT_ALPHA, BoxPrediction, score_image, summarise

__all__ = [
    "CAMERAS",
    "DETECTOR_ROW",
    "predictor",
    "predict",
    "predict_boxes",
    "measure",
    "accuracy_report",
    "write_report",
    "main",
]

log = logging.getLogger(__name__)

CAMERAS = ("default", "true")
DETECTOR_ROW = "detector"  # the --estimators name of the person detector alone

Predictor = Callable[[np.ndarray, AnnotatedImage], Sequence]

# A photo's people are not followed, so the video's tracking budget (EstimatorConfig.max_people, 10) does not
# apply: every person the detector finds is estimated, as the detector row counts them. On realgt's crowd photo
# YOLOX-nano gives 41 boxes, and 5 of the clear people it finds are beyond the 10 largest.
EVERY_PERSON = 100


def _read_image(image: AnnotatedImage) -> np.ndarray:
    frame = cv2.imread(str(image.path), cv2.IMREAD_COLOR)
    if frame is None:
        raise FileNotFoundError(f"cannot read the image {image.name} ({image.path})")
    return frame


def predictor(
    make_estimator: Callable[[float | None], PoseEstimator], *, camera: str = "default", focal_px: float | None = None
) -> tuple[Predictor, Callable[[], None]]:
    """A predictor (image -> its people) from ``make_estimator`` (focal length in pixels, or None for its
    field of view -> a static-image-mode estimator), and its closer.

    With ``camera="true"``, an image whose annotations give its camera is estimated with that focal
    length (one estimator per distinct focal length); the others with ``focal_px`` (None: the field of view).

    Raises:
        ValueError: for an unknown camera, or what ``make_estimator`` raises.
    """
    if camera not in CAMERAS:
        raise ValueError(f"unknown camera {camera!r}: use one of {', '.join(CAMERAS)}")
    estimators: dict = {}

    def estimator_for(focal: float | None) -> PoseEstimator:
        if focal not in estimators:
            estimators[focal] = make_estimator(focal)
        return estimators[focal]

    estimator_for(focal_px)  # fail now, not on the first image

    def run(frame_bgr: np.ndarray, image: AnnotatedImage):
        focal = focal_px
        if camera == "true" and image.camera is not None:
            focal = float(np.mean(image.camera.focal))
        return estimator_for(focal).process(frame_bgr).people

    def close() -> None:
        for estimator in estimators.values():
            estimator.close()

    return run, close


def predict(
    name: str,
    *,
    detector: str | None = None,
    camera: str = "default",
    fov_deg: float = 60.0,
    focal_px: float | None = None,
    backend: str = "auto",
    device: str = "auto",
    max_people: int | None = None,
) -> tuple[Predictor, Callable[[], None]]:
    """:func:`predictor` for estimator ``name`` in static-image mode, with the bundled detector or ``detector``
    (an .onnx file), keeping at most ``max_people`` per photo, the largest (None: every person found,
    :data:`EVERY_PERSON`).

    Raises:
        ValueError: for an unknown estimator, camera or setting.
        FileNotFoundError, pose.detect.onnx.DetectorFileError: for an unusable ``detector`` file.
        pose.CheckpointError: for an unusable checkpoint.
    """

    settings = {"max_people": EVERY_PERSON if max_people is None else max_people}

    def make(focal: float | None) -> PoseEstimator:
        return PoseEstimator(
            name,
            backend=backend,
            device=device,
            static_image_mode=True,
            fov_deg=fov_deg,
            focal_px=focal,
            detector=create_detector(detector) if detector else None,
            **settings,
        )

    return predictor(make, camera=camera, focal_px=focal_px)


def predict_boxes(detector: str | None = None) -> tuple[Predictor, Callable[[], None]]:
    """A predictor of the person detector alone (the bundled one, or ``detector``, an .onnx file): per image,
    every person it gives as a :class:`~pose.measure.scoring.BoxPrediction`, and its closer.

    Raises:
        FileNotFoundError, pose.detect.onnx.DetectorFileError: for an unusable ``detector`` file.
    """
    person_detector = create_detector(detector)

    def run(frame_bgr: np.ndarray, image: AnnotatedImage):
        person_detector.reset()  # unrelated photos
        found = person_detector.detect(frame_bgr)
        return [BoxPrediction(np.asarray(d.bbox_xywh, dtype=np.float64), float(d.score)) for d in found]

    return run, person_detector.close


def measure(
    images: Sequence[AnnotatedImage],
    predictor: Predictor,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Sequence], list[float]]:
    """Every image's predicted people, and the milliseconds each took (reading the image not counted).

    Raises:
        FileNotFoundError: for an image that cannot be read.
    """
    people, ms = [], []
    for n, image in enumerate(images):
        frame = _read_image(image)
        t0 = time.perf_counter()
        people.append(tuple(predictor(frame, image)))
        ms.append((time.perf_counter() - t0) * 1e3)
        if progress:
            progress(n + 1, len(images))
    return people, ms


def accuracy_report(images: Sequence[AnnotatedImage], predictions: Sequence[Sequence], ms=None) -> dict:
    """The figures of one estimator's ``predictions`` (per image, its people) on ``images``.

    Returns ``summary`` (:func:`pose.measure.scoring.summarise` with COCO ``ap``, ``ap50``, ``ap75``,
    ``ar`` and the median milliseconds per image), ``images`` (one row each) and ``people`` (one row per
    clear person), and ``scores`` (the :class:`~pose.measure.scoring.ImageScore` objects, not JSON).
    """
    scores = [score_image(image, people) for image, people in zip(images, predictions)]
    summary = summarise(scores)
    summary.update(coco_keypoint_ap(images, predictions))
    summary["median_ms_per_image"] = float(np.median(ms)) if ms else float("nan")
    rows, people_rows = [], []
    for score, elapsed in zip(scores, ms or [float("nan")] * len(scores)):
        s = summarise([score])
        rows.append(
            {
                "image": score.image.name,
                "clear_people": s["clear_people"],
                "found": s["true_detections"],
                "missed": score.missed,
                "false": s["false_detections"],
                "part_boxes": s["part_boxes"],
                "ignored": s["ignored_detections"],
                "pck": s["pck"],
                "pck_limbs_strict": s["pck_limbs_strict"],
                "pck_all": s["pck_all"],
                "ms": elapsed,
            }
        )
        for m in score.matches:
            people_rows.append(
                {
                    "image": score.image.name,
                    "person": m.gt,
                    "found": m.pred >= 0,
                    "iou": m.iou,
                    "pck": float(np.nanmean(m.correct)) if np.isfinite(m.correct).any() else float("nan"),
                    "mpjpe_mm": m.mpjpe_mm,
                    "pa_mpjpe_mm": m.pa_mpjpe_mm,
                    "root_depth_mm": m.root_depth_mm,
                    "gt_root_depth_mm": m.gt_root_depth_mm,
                }
            )
    return {"summary": summary, "images": rows, "people": people_rows, "scores": scores}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "scores"}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_report(reports: dict[str, dict], settings: dict, out_dir: str | Path) -> list[Path]:
    """``accuracy.json`` (settings, and per estimator its summary, images and people), ``images.csv`` and
    ``people.csv`` (a row per estimator and image / person) in ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    payload = {"settings": settings, "estimators": {n: _jsonable(r) for n, r in reports.items()}}
    paths = [out / "accuracy.json", out / "images.csv", out / "people.csv"]
    paths[0].write_text(json.dumps(payload, indent=2))
    for path, key in ((paths[1], "images"), (paths[2], "people")):
        rows = [{"estimator": n, **row} for n, r in reports.items() for row in r[key]]
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["estimator"])
            writer.writeheader()
            writer.writerows(rows)
    return paths


def _format(name: str, s: dict) -> str:
    def f(value, spec=".2f", scale=1.0):
        return "-" if value is None or not np.isfinite(value) else format(value * scale, spec)

    line = (
        f"{name:<10} recall {f(s['recall'])} precision {f(s['precision'])} ({s['true_detections']}/"
        f"{s['clear_people']} found, {s['false_detections']} false of which {s['part_boxes']} part boxes, "
        f"{s['ignored_detections']} ignored)  PCK@{PCK_ALPHA} {f(s['pck'])} (limbs @{STRICT_ALPHA} "
        f"{f(s['pck_limbs_strict'])})  AP {f(s['ap'])} AP50 {f(s['ap50'])}"
    )
    if s["people_3d"]:
        line += (
            f"\n{'':<10} 3D ({s['people_3d']} people): MPJPE {f(s['mpjpe_mm'], '.0f')} mm, PA-MPJPE "
            f"{f(s['pa_mpjpe_mm'], '.0f')} mm, pelvis depth error median {f(s['root_depth_error_median_mm'], '.0f')}"
            f" mm ({f(s['root_depth_error_median_rel'], '.0f', 100)}%); depth "
            + ", ".join(
                f"{p / 1000:.1f} m vs {g / 1000:.1f}" for p, g in zip(s["root_depth_mm"], s["gt_root_depth_mm"])
            )
        )
    return line + f"\n{'':<10} {f(s['median_ms_per_image'], '.0f')} ms per image (median)"


def main(argv=None) -> int:
    from ..config import default_estimator

    parser = argparse.ArgumentParser(
        prog="python -m pose.measure.accuracy",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("annotations", help="COCO keypoints JSON or realgt annotations.json, or its folder")
    parser.add_argument(
        "--estimators",
        nargs="+",
        choices=(*ESTIMATORS, DETECTOR_ROW),
        help=f"default: the default estimator; {DETECTOR_ROW!r}: the person detector alone (its boxes)",
    )
    parser.add_argument(
        "--detector",
        help="a person detector: a fetched name or an .onnx path (default: $CONVNEXTPOSE_DETECTOR, else bundled)",
    )
    parser.add_argument("--camera", choices=CAMERAS, default="default", help="true: each image's own camera")
    camera = parser.add_mutually_exclusive_group()
    camera.add_argument("--fov", type=float, default=60.0, help="horizontal field of view, degrees (default 60)")
    camera.add_argument("--focal", type=float, help="focal length in pixels, instead of --fov")
    parser.add_argument(
        "--max-people",
        type=int,
        help=f"keep at most this many people per photo, the largest (default: every person found, {EVERY_PERSON})",
    )
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", help="write accuracy.json, images.csv and people.csv here")
    parser.add_argument(
        "--draw", help=f"draw the images with misses or false detections here (the colours: {legend()})"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    names = args.estimators or [default_estimator()]
    try:
        images = read_annotations(args.annotations)
        if not images:
            raise AnnotationError(f"{args.annotations} has no annotated image")
        reports, predicted = {}, {}
        for name in names:
            run, close = (
                predict_boxes(args.detector)
                if name == DETECTOR_ROW
                else predict(
                    name,
                    detector=args.detector,
                    camera=args.camera,
                    fov_deg=args.fov,
                    focal_px=args.focal,
                    backend=args.backend,
                    device=args.device,
                    max_people=args.max_people,
                )
            )
            try:
                predictions, ms = measure(images, run)
            finally:
                close()
            reports[name] = accuracy_report(images, predictions, ms)
            predicted[name] = predictions
    except (FileNotFoundError, ValueError) as exc:  # AnnotationError, DetectorFileError, CheckpointError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{len(images)} images, {reports[names[0]]['summary']['clear_people']} clear people; PCK@{PCK_ALPHA} of "
        f"the box's longer side on {len(JOINT_MAP)} joints ({', '.join(JOINT_MAP)}); camera {args.camera}"
    )
    for name, report in reports.items():
        print(_format(name, report["summary"]))
    settings = {
        "annotations": str(args.annotations),
        "estimators": names,
        "detector": describe_detector(args.detector),
        "camera": args.camera,
        "max_people": args.max_people,
        "fov_deg": None if args.focal else args.fov,
        "focal_px": args.focal,
        "pck": f"PCK@{PCK_ALPHA} of the box's longer side",
        "joints": list(JOINT_MAP),
        "machine": platform.processor() or platform.machine(),
    }
    if args.out:
        for path in write_report(reports, settings, args.out):
            print(f"wrote {path}")
    if args.draw:
        folder = Path(args.draw)
        for name, report in reports.items():
            for score, people in zip(report["scores"], predicted[name]):
                drawn = draw_misses(score, people, _read_image(score.image))
                if drawn is not None:
                    path = folder / name / score.image.name.replace("/", "__")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    cv2.imwrite(str(path.with_suffix(".jpg")), drawn)
        print(f"drew the misses in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
