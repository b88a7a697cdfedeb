"""The Compare page's measured accuracy on the user's annotated photos: upload, measure, table, photos."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import streamlit as st

import pose
from pose.measure.compare import accuracy_on_photos, differing_images
from pose.measure.photos import IMAGE_SUFFIXES, PhotoSetError, read_photo_set, unpack_photos
from pose.measure.score_drawing import draw_score, legend
from pose.measure.scoring import JOINT_MAP, PCK_ALPHA

from .compare_charts import photo_accuracy_table
from .controls import EstimatorSettings, estimator_label
from .tables import shown
from .video_job import session_upload_dir

__all__ = ["photo_accuracy"]

OWN_CAMERA, SIDEBAR_CAMERA = (
    "The photos' own, where the annotations give it",
    "The sidebar's field of view or focal length",
)
SHOWN_WIDTH = 640


def _photo_set(files) -> tuple | None:
    """The annotated images of the uploaded files, unpacked once per set of uploads; None (with the error
    shown) for a set that cannot be used. Images the annotations name but the upload lacks are named in a
    warning, never dropped in silence."""
    key = tuple(f.file_id for f in files)
    held = st.session_state.get("compare_photos_set")
    if held is None or held[0] != key:
        folder = Path(tempfile.mkdtemp(prefix="photos-", dir=session_upload_dir()))
        try:
            unpack_photos(((f.name, f.getvalue()) for f in files), folder)
            held = (key, read_photo_set(folder), None)
        except PhotoSetError as exc:
            held = (key, None, str(exc))
        st.session_state.compare_photos_set = held
    if held[2]:
        st.error(f"These photos cannot be used: {held[2]}.")
        return None
    if missing := held[1].missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        images = "1 annotated image is" if len(missing) == 1 else f"{len(missing)} annotated images are"
        st.warning(f"{images} not in the upload (or their file name is in it twice), and left out: {shown}.")
    return held[1].images


def _shown(image_bgr: np.ndarray) -> np.ndarray:
    scale = min(1.0, SHOWN_WIDTH / image_bgr.shape[1])
    return cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image_bgr


def _measure(images, names, settings: EstimatorSettings, camera: str) -> dict:
    def make(name: str, focal: float | None) -> pose.PoseEstimator:
        config = settings.config if focal is None else replace(settings.config, focal_px=focal)
        return pose.PoseEstimator(name, config=config, runner=settings.runner(name), static_image_mode=True)

    bar = st.progress(0.0, text="Measuring...")
    done_before = {n: i for i, n in enumerate(names)}

    def progress(name: str, done: int, total: int) -> None:
        bar.progress(
            (done_before[name] + done / total) / len(names), text=f"{estimator_label(name)}: photo {done} of {total}"
        )

    reports = accuracy_on_photos(
        images, names, make, camera="true" if camera == OWN_CAMERA else "default", progress=progress
    )
    bar.empty()
    differing = []
    for index in differing_images(reports):
        frame = cv2.imread(str(images[index].path), cv2.IMREAD_COLOR)
        drawn = {
            name: (
                _shown(draw_score(r["scores"][index], r["predictions"][index], frame)),
                r["images"][index]["pck_all"],
            )
            for name, r in reports.items()
        }
        differing.append((images[index].name, drawn))
    return {
        "reports": {n: {"summary": r["summary"]} for n, r in reports.items()},
        "differing": differing,
        "camera": camera,
        "photos": len(images),
    }


def _in_words(s: dict) -> str:
    def f(value, spec=".2f"):
        return "-" if value is None or not np.isfinite(value) else format(value, spec)

    words = (
        f"found {s['true_detections']} of {s['clear_people']} clear people (recall {f(s['recall'])}), "
        f"precision {f(s['precision'])} ({s['false_detections']} false, {s['part_boxes']} of them part boxes), "
        f"PCK@{PCK_ALPHA} {f(s['pck'])}, COCO AP {f(s['ap'])}"
    )
    if s["people_3d"]:
        words += (
            f"; {s['people_3d']} in 3D: MPJPE {f(s['mpjpe_mm'], '.0f')} mm, pelvis depth error (median) "
            f"{f(s['root_depth_error_median_rel'] * 100, '.0f')}%"
        )
    return words


def photo_accuracy(settings: EstimatorSettings) -> None:
    """Upload annotated photos (a zip, or the annotation JSON and its images), measure the chosen trained
    estimators on them, and show their figures beside the paper's and the photos where they differ most."""
    st.markdown(
        "**Your annotated photos**: a zip holding a COCO keypoints JSON (or a realgt `annotations.json`) and "
        "its images, or those files themselves. Each photo goes through each trained estimator on its own."
    )
    files = st.file_uploader(
        "Annotated photos",
        type=["zip", "json", *(s.lstrip(".") for s in IMAGE_SUFFIXES)],
        accept_multiple_files=True,
        key="compare_photos",
    )
    camera = st.radio("Camera", [OWN_CAMERA, SIDEBAR_CAMERA], horizontal=True, key="compare_photos_camera")
    images = _photo_set(files) if files else None
    trained = [n for n in settings.estimators if pose.has_trained_weights(n)]
    if images:
        people = [p for image in images for p in image.people]
        st.caption(
            f"{len(images)} annotated photos, {sum(p.clear for p in people)} clear people, "
            f"{sum(p.joints_3d_cam_mm is not None for p in people)} with 3D ground truth, "
            f"with their camera: {sum(image.camera is not None for image in images)}."
        )
        untrained = [n for n in settings.estimators if n not in trained]
        if untrained:
            st.caption(
                f"Left out, untrained (their skeletons are not real): {', '.join(map(estimator_label, untrained))}."
            )
    if st.button("Measure on these photos", disabled=not images or not trained, key="compare_photos_run"):
        try:
            st.session_state.compare_photo_accuracy = _measure(images, trained, settings, camera)
        except (pose.CheckpointError, ValueError, FileNotFoundError) as exc:
            st.error(f"Cannot measure on these photos: {exc}")
    result = st.session_state.get("compare_photo_accuracy")
    if not result:
        return
    st.markdown("**Measured on your photos**")
    st.dataframe(shown(photo_accuracy_table(result["reports"])), hide_index=True, key="compare_photos_table")
    for name, report in result["reports"].items():
        st.caption(f"{estimator_label(name)}: {_in_words(report['summary'])}")
    st.caption(
        f"{result['photos']} photos; camera: {result['camera'].lower()}. Recall and precision over clear people "
        "(not crowds, at least 8 labelled joints, at least 96 px tall) at IoU 0.5; crowds and ignore regions "
        f"count neither way. PCK@{PCK_ALPHA} of the box's longer side and COCO AP on the joints both skeletons "
        f"have ({', '.join(JOINT_MAP)}): no eyes or ears. The paper's figures are Human3.6M's, a studio."
    )
    title = "Where they differ most" if len(result["reports"]) > 1 else "Where it does worst"
    if not result["differing"]:
        st.caption(
            f"{title}: no photo to show, "
            + (
                "they score alike on every photo with a clear person."
                if len(result["reports"]) > 1
                else "its PCK is 1 on every photo with a clear person."
            )
        )
    if result["differing"]:
        st.caption(f"{title}, the colours: {legend()}")
    for name, drawn in result["differing"]:
        st.markdown(f"{title}: `{name}`")
        for col, (estimator, (image, score)) in zip(st.columns(len(drawn)), drawn.items()):
            pck_text = "no clear person" if score is None or not np.isfinite(score) else f"PCK {score:.2f}"
            col.image(image, channels="BGR", caption=f"{estimator_label(estimator)}: {pck_text}")
