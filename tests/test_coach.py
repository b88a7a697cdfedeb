"""The coach's library: pose scores on real photos, repetition counting, holds and the session log."""

from __future__ import annotations

import csv
import io
import math

import cv2
import numpy as np
import pytest

from pose.angles import ANGLES, joint_angles
from pose.coach import (
    LIMB_NAMES,
    SESSION_COLUMNS,
    HoldTimer,
    RepCounter,
    SessionLog,
    align_reference,
    mirror_keypoints,
    pick_person,
    score_pose,
)
from pose.coach.exercises import EXERCISES, Exercise
from pose.engine.estimator import Person
from pose.skeleton import JOINT_NAMES, ROOT

J = JOINT_NAMES.index


# --- helpers ---------------------------------------------------------------------------------------


def make_person(keypoints_rel: np.ndarray, confidence=None, *, offset_mm=(0.0, 0.0, 3000.0), bbox_xywh=None) -> Person:
    """A Person from root-relative keypoints (18, 3) mm, placed at ``offset_mm`` in front of the camera."""
    keypoints_rel = np.asarray(keypoints_rel, dtype=np.float64)
    keypoints_3d = keypoints_rel + np.asarray(offset_mm)
    keypoints_2d = 500.0 * keypoints_3d[:, :2] / keypoints_3d[:, 2:] + [320.0, 240.0]
    if bbox_xywh is None:
        lo, hi = keypoints_2d.min(0), keypoints_2d.max(0)
        bbox_xywh = np.array([*lo, *(hi - lo)])
    confidence = np.ones(len(JOINT_NAMES)) if confidence is None else np.asarray(confidence, dtype=np.float64)
    return Person(
        np.asarray(bbox_xywh, float), keypoints_2d, keypoints_3d, keypoints_rel - keypoints_rel[ROOT], confidence
    )


def standing_keypoints() -> np.ndarray:
    """A person facing the camera, arms down: (18, 3) mm, camera axes (x right, y down, z forward)."""
    kp = np.zeros((len(JOINT_NAMES), 3))
    # fmt: off
    for name, xyz in {
        "Pelvis": (0, 0, 0), "Torso": (0, -250, 0), "Neck": (0, -500, 0), "Nose": (0, -600, -60),
        "Head": (0, -720, 0), "Thorax": (0, -480, 0),
        "R_Hip": (-100, 0, 0), "R_Knee": (-100, 450, 0), "R_Ankle": (-100, 880, 0),
        "L_Hip": (100, 0, 0), "L_Knee": (100, 450, 0), "L_Ankle": (100, 880, 0),
        "R_Shoulder": (-180, -480, 0), "R_Elbow": (-200, -200, 0), "R_Wrist": (-210, 50, 0),
        "L_Shoulder": (180, -480, 0), "L_Elbow": (200, -200, 0), "L_Wrist": (210, 50, 0),
    }.items():
        kp[J(name)] = xyz
    # fmt: on
    return kp


def squat_keypoints(knee_deg: float) -> np.ndarray:
    """The standing person with both knees bent to ``knee_deg`` (knees forward, thighs and shins alike)."""
    kp = standing_keypoints()
    half = math.radians((180.0 - knee_deg) / 2)
    for side in "LR":
        hip = kp[J(f"{side}_Hip")]
        knee = hip + 450 * np.array([0.0, math.cos(half), -math.sin(half)])
        kp[J(f"{side}_Knee")] = knee
        kp[J(f"{side}_Ankle")] = knee + 430 * np.array([0.0, math.cos(half), math.sin(half)])
    return kp


def with_angle(kp: np.ndarray, angle_name: str, degrees: float) -> np.ndarray:
    """``kp`` with the outer joint of ``angle_name`` moved (same segment length) so the angle is ``degrees``."""
    a, v, b = (J(n) for n in ANGLES[angle_name])
    kp = kp.copy()
    u = (kp[a] - kp[v]) / np.linalg.norm(kp[a] - kp[v])
    p = np.cross(u, [0.0, 0.0, 1.0])
    p = p / np.linalg.norm(p)
    theta = math.radians(degrees)
    kp[b] = kp[v] + np.linalg.norm(kp[b] - kp[v]) * (math.cos(theta) * u + math.sin(theta) * p)
    return kp


def rotate_y(kp: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the vertical (camera y) axis: the person turning on the spot, or the camera walking round."""
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return kp @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]).T


# --- real photos -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def photo_people(shared_dir):
    """BlazePose's person in each photo, and in each photo flipped left-right."""
    from pose import PoseEstimator

    images = {name: cv2.imread(str(shared_dir / "images" / name)) for name in ("jump_suit.jpg", "jump_dark.png")}
    images["footballer.jpg"] = cv2.imread(str(shared_dir / "images" / "footballer.jpg"))
    people = {}
    with PoseEstimator("BlazePose", static_image_mode=True) as estimator:
        for name, image in images.items():
            assert image is not None, name
            for key, frame in ((name, image), (f"{name} flipped", np.ascontiguousarray(image[:, ::-1]))):
                result = estimator.process(frame)
                assert len(result.people) == 1, key
                people[key] = result.people[0]
    return people


@pytest.mark.parametrize("turn_deg", [0.0, 35.0, 90.0, 160.0, -120.0])
@pytest.mark.parametrize("scale", [0.6, 1.0, 1.3])
def test_a_pose_scores_full_against_itself_moved_scaled_and_turned(photo_people, turn_deg, scale):
    reference = photo_people["jump_suit.jpg"]
    moved = make_person(
        scale * rotate_y(reference.keypoints_rel, turn_deg), reference.confidence, offset_mm=(-800, 200, 5200)
    )
    result = score_pose(reference, moved)
    assert result.score >= 95, result
    assert max(result.limb_errors_deg.values()) < 1.0
    assert set(result.limb_errors_deg) == set(LIMB_NAMES) and result.excluded_limbs == ()


def test_two_different_real_poses_score_lower_with_the_arms_among_the_worst(photo_people):
    suit, dark = photo_people["jump_suit.jpg"], photo_people["jump_dark.png"]
    same = score_pose(suit, suit).score
    different = score_pose(suit, dark)
    assert different.score <= same - 20, (same, different.score)
    # arms out sideways (suit) against arms raised (dark): both upper arms are among the four worst limbs
    worst_four = sorted(different.limb_errors_deg, key=different.limb_errors_deg.get, reverse=True)[:4]
    assert {"left_upper_arm", "right_upper_arm"} <= set(worst_four), different.limb_errors_deg
    assert different.worst_limb == worst_four[0]
    # the comparison is symmetric in its two poses
    assert abs(score_pose(dark, suit).score - different.score) < 1e-6


def test_mirror_matches_a_photo_with_its_mirror_image(photo_people):
    """The footballer's kick is one-sided: flipped, his pose only matches when left and right are swapped."""
    original, flipped = photo_people["footballer.jpg"], photo_people["footballer.jpg flipped"]
    plain = score_pose(original, flipped).score
    mirrored = score_pose(original, flipped, mirror=True)
    assert mirrored.mirrored and mirrored.score >= 75, mirrored
    assert mirrored.score >= plain + 20, (plain, mirrored.score)


def test_mirror_of_a_mirror_is_the_pose(photo_people):
    person = photo_people["jump_suit.jpg"]
    mirrored = make_person(*mirror_keypoints(person.keypoints_rel, person.confidence))
    assert score_pose(person, mirrored, mirror=True).score > 99.9
    assert score_pose(person, mirrored).score < 90  # the suit's kick is one-sided


def test_aligned_reference_overlays_the_live_pose(photo_people):
    reference = photo_people["jump_suit.jpg"]
    live = make_person(0.8 * rotate_y(reference.keypoints_rel, 70.0))
    aligned = align_reference(reference, live)
    assert aligned.shape == (18, 3)
    assert np.abs(aligned - live.keypoints_rel).max() < 1.0


# --- confidence ------------------------------------------------------------------------------------


def test_low_confidence_joints_are_left_out_and_named():
    reference = make_person(standing_keypoints())
    confidence = np.ones(18)
    confidence[J("L_Wrist")] = 0.1
    live_kp = standing_keypoints()
    live_kp[J("L_Wrist")] = live_kp[J("L_Elbow")] + [0, -250, 0]  # wrong, but not confident
    result = score_pose(reference, make_person(live_kp, confidence))
    assert result.excluded_limbs == ("left_forearm",)
    assert "left_forearm" not in result.limb_errors_deg and result.score > 99.9
    assert "left elbow" not in result.angle_diffs_deg
    nobody = score_pose(reference, make_person(live_kp, np.zeros(18)))
    assert nobody.score is None and nobody.worst_limb is None and set(nobody.excluded_limbs) == set(LIMB_NAMES)


def test_a_bent_knee_shows_as_its_limb_and_joint_angle():
    reference = make_person(standing_keypoints())
    live = make_person(squat_keypoints(90.0))
    result = score_pose(reference, live)
    assert result.worst_limb in {"left_thigh", "right_thigh", "left_shin", "right_shin"}
    assert result.limb_errors_deg["left_thigh"] == pytest.approx(45.0, abs=0.5)
    assert result.angle_diffs_deg["left knee"] == pytest.approx(-90.0, abs=0.5)
    assert result.limb_errors_deg["left_upper_arm"] < 0.5
    assert 50 < result.score < 95


def test_pick_person_prefers_the_largest_then_the_central():
    kp = standing_keypoints()
    small_centre = make_person(kp, bbox_xywh=(280, 200, 80, 100))
    large_edge = make_person(kp, bbox_xywh=(0, 0, 200, 300))
    same_size_edge = make_person(kp, bbox_xywh=(0, 0, 80, 100))
    assert pick_person([small_centre, large_edge], (640, 480)) is large_edge
    assert pick_person([same_size_edge, small_centre], (640, 480)) is small_centre
    assert pick_person([], (640, 480)) is None


# --- repetitions -----------------------------------------------------------------------------------


def squat_sequence(knee_path_deg, fps: float = 30.0, jitter_deg: float = 4.0, seed: int = 0):
    """(time, person) per frame along ``knee_path_deg``, with the knee angle jittered."""
    rng = np.random.default_rng(seed)
    for i, knee in enumerate(knee_path_deg):
        yield i / fps, make_person(squat_keypoints(float(knee + rng.uniform(-jitter_deg, jitter_deg))))


def test_three_squats_count_three():
    one = np.concatenate([np.linspace(170, 80, 30), np.linspace(80, 170, 30)])  # two seconds a squat
    path = np.concatenate([np.full(15, 170.0), one, one, one, np.full(15, 170.0)])
    counter = RepCounter("squat")
    counts = [counter.update(person, t) for t, person in squat_sequence(path)]
    assert counts[-1] == 3
    assert counts == sorted(counts)  # never goes back


@pytest.mark.parametrize("around_deg", [160.0, 100.0])
def test_jitter_around_one_threshold_counts_nothing(around_deg):
    squat = EXERCISES["squat"]
    assert around_deg in (squat.rest_deg, squat.turn_deg)
    # stand, then hover at the threshold for ten seconds: slow sway of +-8 degrees, and frame-to-frame jitter
    hover = around_deg + 8.0 * np.sin(np.linspace(0, 10 * np.pi, 300))
    path = np.concatenate([np.full(15, 175.0), hover])
    counter = RepCounter("squat")
    assert [counter.update(p, t) for t, p in squat_sequence(path, jitter_deg=4.0)][-1] == 0


def test_a_too_fast_repetition_is_noise():
    path = np.concatenate([np.full(30, 170.0), [80.0], np.full(30, 170.0)])  # one misdetected frame
    counter = RepCounter("squat")
    assert [counter.update(p, t) for t, p in squat_sequence(path, jitter_deg=0.0)][-1] == 0


def test_frames_without_a_confident_person_are_skipped():
    counter = RepCounter("squat")
    unsure = np.ones(18)
    unsure[[J("L_Ankle"), J("R_Ankle")]] = 0.1
    t = 0.0
    for knee, confidence in [(170, None), (80, None), (170, unsure), (None, None), (170, None)]:
        person = None if knee is None else make_person(squat_keypoints(knee), confidence)
        counter.update(person, t)
        t += 1.0
    assert counter.count == 1
    assert counter.driving_angle(make_person(squat_keypoints(120.0))) == pytest.approx(120.0, abs=1e-6)


@pytest.mark.parametrize("name", list(EXERCISES))
def test_every_exercise_counts_its_repetitions(name):
    exercise = EXERCISES[name]
    margin = 15.0 if exercise.rest_is_high else -15.0
    rest, turn = exercise.rest_deg + margin, exercise.turn_deg - margin
    rep = np.concatenate([np.linspace(rest, turn, 25), np.linspace(turn, rest, 25)])
    path = np.concatenate([np.full(10, rest), rep, rep, rep, rep, np.full(10, rest)])
    rng = np.random.default_rng(1)
    counter = RepCounter(exercise)
    for i, degrees in enumerate(path):
        kp = standing_keypoints()
        for angle_name in exercise.angles:  # every driving angle moves together
            kp = with_angle(kp, angle_name, float(degrees + rng.uniform(-3, 3)))
        counter.update(make_person(kp), i / 30.0)
    assert counter.count == 4, (name, counter.count)


def test_exercises_are_checked_rows():
    row = Exercise("lateral raise", ("left shoulder", "right shoulder"), "mean", 30.0, 80.0, 0.5)
    assert RepCounter(row).exercise is row and not row.rest_is_high
    with pytest.raises(ValueError, match="unknown angles"):
        Exercise("bad", ("left ear",), "mean", 10.0, 20.0, 0.5)
    with pytest.raises(ValueError, match="differ"):
        Exercise("bad", ("left knee",), "mean", 10.0, 10.0, 0.5)
    with pytest.raises(ValueError, match="unknown exercise"):
        RepCounter("burpee")
    assert all(set(e.angles) <= set(joint_angles(standing_keypoints())) for e in EXERCISES.values())


# --- hold and log ----------------------------------------------------------------------------------


def test_hold_timer_counts_seconds_above_the_threshold():
    timer = HoldTimer(threshold=80.0, grace_s=0.25)
    held = [timer.update(score, t / 10) for t, score in enumerate([50, 85, 90, 88, 70, 86, 91, None, None, None, 95])]
    # above from 0.1 s; the dip at 0.4 s is shorter than the grace; nobody from 0.7 s for longer than it
    assert held[:7] == pytest.approx([0.0, 0.0, 0.1, 0.2, 0.2, 0.4, 0.5])
    assert held[7:] == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert timer.best_s == pytest.approx(0.5)


def test_session_log_exports_csv_with_a_column_per_limb():
    reference = make_person(standing_keypoints())
    session = SessionLog(max_rows=3)
    for i, knee in enumerate([170, 120, 90, 170]):
        session.add(10.0 + i * 0.5, score_pose(reference, make_person(squat_keypoints(knee))), 0.0, i // 3, "squat")
    session.add(12.0, None, 0.0, 1, "squat")
    rows = list(csv.DictReader(io.StringIO(session.to_csv())))
    assert tuple(rows[0]) == SESSION_COLUMNS and len(session) == 3  # the oldest rows went
    assert [r["time_s"] for r in rows] == ["1.0", "1.5", "2.0"]
    assert float(rows[0]["left_thigh_error_deg"]) == pytest.approx(45.0, abs=0.5)
    assert rows[1]["repetitions"] == "1" and rows[1]["exercise"] == "squat"
    assert rows[1]["worst_limb"] in {"left_thigh", "right_thigh", "left_shin", "right_shin"}
    assert rows[2]["score"] == "" and rows[2]["left_thigh_error_deg"] == ""


# --- the live processor on a real clip -------------------------------------------------------------


def jumping_jack_frames(images_dir, cycles: int = 3, fps: int = 30, size=(480, 360)) -> list[np.ndarray]:
    """A clip of real photos: arms raised (jump_dark.png) for a second, arms down (two_indoors.png's left
    person) for a second, ``cycles`` times; BGR frames of ``size`` (w, h)."""
    width, height = size
    raised = cv2.imread(str(images_dir / "jump_dark.png"))
    down = cv2.imread(str(images_dir / "two_indoors.png"))[:, :330]

    def framed(photo):
        scale = 0.95 * height / photo.shape[0]
        sprite = cv2.resize(photo, (round(photo.shape[1] * scale), round(photo.shape[0] * scale)))
        frame = np.full((height, width, 3), 200, np.uint8)
        top, left = (height - sprite.shape[0]) // 2, (width - sprite.shape[1]) // 2
        frame[top : top + sprite.shape[0], left : left + sprite.shape[1]] = sprite
        return frame

    one_cycle = [framed(down)] * fps + [framed(raised)] * fps
    return one_cycle * cycles + [framed(down)] * fps


def test_coach_processor_counts_holds_and_logs_a_real_clip(shared_dir, photo_people):
    from pose import PoseEstimator
    from pose.coach.live import CoachProcessor

    frames = jumping_jack_frames(shared_dir / "images", cycles=2)
    processor = CoachProcessor(PoseEstimator("BlazePose"))
    processor.configure(reference=photo_people["jump_dark.png"], exercise="jumping jack", hold_threshold=80.0)
    scores, holds = [], []
    for i, frame in enumerate(frames):
        annotated = processor.process(frame, i / 30)
        stats = processor.stats()
        scores.append(stats.score.score if stats.score else None)
        holds.append(stats.hold_s)
    processor.close()
    assert stats.repetitions == 2 and stats.exercise == "jumping jack"
    assert stats.people_in_view == 1 and stats.reference_aligned.shape == (18, 3)
    raised = [s for i, s in enumerate(scores) if (i // 30) % 2 == 1 and i % 30 >= 10]  # the reference pose itself
    down = [s for i, s in enumerate(scores) if (i // 30) % 2 == 0 and i % 30 >= 10]
    assert min(raised) >= 85 and max(down) <= min(raised) - 20, (min(raised), max(down))
    assert max(holds) >= 0.6 and holds[-1] == 0.0  # held while the pose matched, then lost
    assert stats.best_hold_s == pytest.approx(max(holds))
    assert not np.array_equal(annotated, frames[-1])  # limbs and banner drawn
    rows = list(csv.DictReader(io.StringIO(processor.session_csv())))
    assert len(rows) == len(frames) and rows[-1]["repetitions"] == "2"
    processor.reset_session()
    assert processor.stats().logged_rows == 0 and processor.stats().repetitions == 0


def test_reference_from_a_photo_with_nobody_and_from_bytes_that_are_no_image():
    from pose import PoseEstimator
    from pose.coach import decode_image, pick_reference

    blank = np.full((240, 320, 3), 128, np.uint8)
    with PoseEstimator("BlazePose", static_image_mode=True) as estimator:
        pick = pick_reference(estimator.process(decode_image(cv2.imencode(".png", blank)[1].tobytes())))
    assert pick.person is None and pick.people_found == 0 and "Nobody" in pick.message
    with pytest.raises(ValueError, match="not an image"):
        decode_image(b"GIF89a but not really")
    with pytest.raises(ValueError, match="not an image"):
        decode_image(b"")


def test_reference_from_several_people_whole_in_view_takes_the_largest_and_says_so():
    from types import MappingProxyType

    from pose.coach import pick_reference
    from pose.engine.estimator import PoseResult

    kp = standing_keypoints()
    small, large = make_person(kp, bbox_xywh=(10, 10, 50, 80)), make_person(kp, bbox_xywh=(300, 100, 150, 300))
    result = PoseResult((small, large), MappingProxyType({}), True, "BlazePose", "mediapipe", "cpu", True, (640, 480))
    pick = pick_reference(result)
    assert pick.person is large and pick.people_found == 2 and "is the reference" in pick.message
    assert pick.people == (small, large)


def test_the_reference_from_a_real_photo_is_the_person_most_wholly_in_view_and_another_may_be_chosen(shared_images):
    """On two_indoors.png the largest person is a close-up cut off by the frame's edge: a pose to copy is the
    whole body on the left."""
    from pose import PoseEstimator
    from pose.coach import pick_reference, whole_joints

    image = cv2.imread(str(shared_images / "two_indoors.png"))
    with PoseEstimator("BlazePose", static_image_mode=True) as estimator:
        result = estimator.process(image)
    pick = pick_reference(result)
    assert pick.people_found == 2
    other = next(p for p in pick.people if p is not pick.person)
    assert pick.person.bbox_xywh[0] < image.shape[1] / 2 < other.bbox_xywh[0]  # the full body on the left
    assert whole_joints(pick.person, result.frame_size) == 18 > whole_joints(other, result.frame_size)
    assert other.bbox_xywh[2] * other.bbox_xywh[3] > pick.person.bbox_xywh[2] * pick.person.bbox_xywh[3]
    chosen = pick_reference(result, track_id=int(other.track_id))
    assert int(chosen.person.track_id) == int(other.track_id)
    assert f"#{int(other.track_id)} is the reference" in chosen.message


def test_the_trained_xs_takes_the_whole_person_of_a_real_photo_as_the_reference(shared_images, trained_weights):
    """ConvNeXtPose places a cut-off close-up's joints inside the frame, but is unsure of them: the reference is
    the person it is sure of (on two_indoors.png, 8 of 18 joints sure on the close-up, 18 on the whole body)."""
    from pose import PoseEstimator
    from pose.coach import pick_reference, whole_joints

    image = cv2.imread(str(shared_images / "two_indoors.png"))
    with PoseEstimator("XS", static_image_mode=True, weights_folder=trained_weights) as estimator:
        result = estimator.process(image)
    pick = pick_reference(result)
    assert pick.people_found == 2
    other = next(p for p in pick.people if p is not pick.person)
    assert pick.person.bbox_xywh[0] < image.shape[1] / 2 < other.bbox_xywh[0]  # the full body on the left
    assert whole_joints(pick.person, result.frame_size) > whole_joints(other, result.frame_size) + 4


@pytest.mark.parametrize("size", [(360, 640), (240, 426), (640, 360), (1280, 720)])
def test_the_banner_keeps_every_word_inside_the_frame(size):
    """On a portrait camera the banner's text, sized by the frame's height, ran off its right edge ("score 59
    hold..."): it is now made smaller, and broken between words, to fit."""
    from pose.coach.render import draw_banner

    width, height = size
    lines = ["score 59   hold 12.5 s", "lateral raise: 12", "2 people: coaching the largest"]
    frame = draw_banner(np.zeros((height, width, 3), np.uint8), lines)
    assert frame[:, 0].any()  # the band, drawn to the width of each line's text and a pad ...
    assert not frame[:, -1].any()  # ... ends before the frame's right edge: no text cut off


def test_a_banner_line_too_wide_even_for_small_text_is_broken_between_words():
    from pose.coach.render import _broken

    assert _broken("2 people: coaching the largest", lambda text: len(text) <= 12) == [
        "2 people:",
        "coaching the",
        "largest",
    ]
    assert _broken("supercalifragilistic", lambda text: len(text) <= 5) == ["supercalifragilistic"]
    assert _broken("score 59   hold 12.5 s", lambda text: len(text) <= 9) == ["score 59", "hold 12.5", "s"]
