"""The coach's reference pose: chosen from a photo, a frame of a video or a camera snapshot, estimated once."""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

import pose
from pose.coach import decode_image, pick_reference
from pose.draw import DEFAULT_MIN_CONFIDENCE, draw_person
from pose.video import VideoError, probe, read_frames

from .controls import EstimatorSettings
from .video_job import VIDEO_TYPES, save_upload

PHOTO, VIDEO_FRAME, SNAPSHOT = "Photo", "Frame of a video", "Camera snapshot"
IMAGE_TYPES = ("jpg", "jpeg", "png", "webp", "bmp")


def reference_image(key: str = "coach") -> np.ndarray | None:
    """Widgets for the reference image; returns it (BGR) or None, with a message for an unusable file."""
    source = st.radio("Reference from", [PHOTO, VIDEO_FRAME, SNAPSHOT], horizontal=True, key=f"{key}_ref_source")
    if source == PHOTO:
        uploaded = st.file_uploader("Reference photo", type=list(IMAGE_TYPES), key=f"{key}_ref_photo")
        return None if uploaded is None else _decoded(uploaded.getvalue(), uploaded.name)
    if source == SNAPSHOT:
        shot = st.camera_input("Strike the pose and take a snapshot", key=f"{key}_ref_snapshot")
        return None if shot is None else _decoded(shot.getvalue(), "The snapshot")
    uploaded = st.file_uploader("Reference video", type=list(VIDEO_TYPES), key=f"{key}_ref_video")
    if uploaded is None:
        return None
    path, digest = save_upload(uploaded)
    try:
        info = probe(path)
    except VideoError as exc:
        st.error(f"**{uploaded.name}** cannot be used: {str(exc).split(': ', 1)[-1]}.")
        return None
    last = max(info.frame_count - 1, 0)
    index = st.slider("Frame", 0, last, min(last, round(info.fps)), key=f"{key}_ref_frame") if last else 0
    frames = st.session_state.setdefault(f"{key}_ref_frames", {})
    if (digest, index) not in frames:
        frames.clear()  # one video's frame at a time
        frames[(digest, index)] = next((image for _, _, image in read_frames(path, start=index, stop=index + 1)), None)
    image = frames[(digest, index)]
    if image is None:
        st.error(f"Frame {index} of **{uploaded.name}** could not be decoded; try another frame.")
    return image


def _decoded(data: bytes, name: str) -> np.ndarray | None:
    try:
        return decode_image(data)
    except ValueError as exc:
        st.error(f"**{name}** cannot be used: {exc}.")
        return None


def reference_pose(settings: EstimatorSettings, image_bgr: np.ndarray, key: str = "coach") -> pose.Person | None:
    """The reference person in ``image_bgr``, estimated once per image and estimator; shows the image with
    everyone found (the reference drawn over the others) and says what was found (nobody, several people); of
    several, the user may choose another. The same object is returned on every rerun."""
    wanted = (hashlib.sha256(image_bgr.tobytes()).hexdigest(), image_bgr.shape, settings)
    cached = st.session_state.get(f"{key}_reference")
    if cached is None or cached[0] != wanted:
        try:
            with settings.build(settings.estimators[0], static_image_mode=True) as estimator:
                result = estimator.process(image_bgr)
        except (pose.CheckpointError, ValueError) as exc:
            st.error(f"Cannot estimate the reference pose: {exc}")
            return None
        cached = (wanted, result, {None: pick_reference(result)})  # picks by chosen id, each made once
        st.session_state[f"{key}_reference"] = cached
    _, result, picks = cached
    pick = picks[None]
    if len(pick.people) > 1:
        ids = [int(p.track_id) for p in pick.people]
        chosen = st.selectbox(
            "Reference person",
            ids,
            index=ids.index(int(pick.person.track_id)),
            format_func=lambda i: f"#{i}",
            # per image and estimator: another estimator numbers the people its own way
            key=f"{key}_reference_person_{hashlib.sha256(repr(wanted).encode()).hexdigest()[:12]}",
            help="Everyone found in the photo is tagged with a number; the one most wholly in view is chosen first.",
        )
        if chosen != int(pick.person.track_id):
            pick = picks.setdefault(chosen, pick_reference(result, track_id=chosen))
    if pick.person is None:
        st.error(pick.message)
    elif pick.message:
        st.info(pick.message)
    preview = image_bgr.copy()
    tagged = len(pick.people) > 1
    for person in pick.people:  # the others thin, then the reference over them
        if int(person.track_id) != int(pick.person.track_id):
            draw_person(preview, person.keypoints_2d, confidence=person.confidence,
                        min_confidence=DEFAULT_MIN_CONFIDENCE, joints=False, thickness=1,
                        tag=f"#{int(person.track_id)}")  # fmt: skip
    if pick.person is not None:
        draw_person(
            preview, pick.person.keypoints_2d, confidence=pick.person.confidence, min_confidence=DEFAULT_MIN_CONFIDENCE,
            tag=f"#{int(pick.person.track_id)}" if tagged else None,
        )  # fmt: skip
    st.image(preview, channels="BGR", caption="Reference", width=320)
    return pick.person
