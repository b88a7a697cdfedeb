"""The Live page's camera calibration in a real browser: a standing person of known height at a known
distance (an MPI-INF-3DHP frame of realgt, played as a video) gives the focal length of its camera."""

from __future__ import annotations

import contextlib
import json

import cv2
import numpy as np
from conftest import write_video
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .checks import open_live_source, wait_for

FRAME = "mpi_inf_3dhp/TS1_002001.jpg"  # standing, head to feet in view
SCALE = 0.5  # 2048 px -> 1024 px wide: the focal length halves too


def test_calibration_from_a_person_of_known_height(app_server, browser_page, realgt_dir, tmp_path):
    entry = next(i for i in json.loads((realgt_dir / "annotations.json").read_text())["images"] if i["file"] == FRAME)
    joints = {k: np.array(v) for k, v in entry["people"][0]["joints_3d_cam_mm"].items()}
    ankles = (joints["left_ankle"] + joints["right_ankle"]) / 2
    height_cm = np.linalg.norm(joints["head"] - ankles) / (1 - 0.039) / 10  # pose.camera.ANKLE_HEIGHT
    distance_m = joints["pelvis"][2] / 1000
    true_focal = entry["camera"]["focal"][0] * SCALE
    image = cv2.imread(str(realgt_dir / FRAME))
    clip = write_video(tmp_path / "standing.avi", [cv2.resize(image, None, fx=SCALE, fy=SCALE)] * 20, fps=10)

    page = browser_page
    open_live_source(page, app_server, clip)
    page.get_by_text("Calibrate the camera from a person of known height").click()
    page.get_by_label("Height (cm)").fill(f"{height_cm:.0f}")
    page.get_by_label("Height (cm)").press("Enter")
    page.get_by_label("Distance from the camera (m)").fill(f"{distance_m:.1f}")
    page.get_by_label("Distance from the camera (m)").press("Enter")

    def calibrated():
        """The note once it shows. The button is pressed again only while nobody was in view yet: each press
        reruns the page, and on a loaded machine pressing every poll kept the note from ever settling."""
        note = page.get_by_text("set in the sidebar")
        with contextlib.suppress(PlaywrightTimeout):  # the page rerendered between count() and reading it
            if note.count():
                return note.first.inner_text(timeout=5_000)
        if not pressed or page.get_by_text("Nobody is in view").count():
            page.get_by_role("button", name="Calibrate from the person in view").click()
            pressed.append(True)
        return None

    pressed: list[bool] = []
    note = wait_for(calibrated, timeout_s=120, interval_s=3)
    assert note, "no calibration came back"
    focal = float(page.get_by_role("spinbutton", name="Or the focal length (pixels)").input_value())
    assert abs(focal / true_focal - 1) < 0.15, (focal, true_focal, note)  # measured: 0.98 on this frame
