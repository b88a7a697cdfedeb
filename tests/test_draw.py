import numpy as np
import pytest

from pose import Person
from pose.draw import (
    TRACK_COLORS_RGB,
    DrawOptions,
    draw_message,
    draw_people,
    draw_person,
    people_figure,
    skeleton_figure,
    to_plot_axes,
    track_color,
)
from pose.skeleton import JOINT_NAMES, ROOT, SIDE_COLORS_RGB


def _t_pose():
    kp = np.zeros((18, 2))
    kp[:, 0] = 100 + 10 * np.arange(18)
    kp[:, 1] = 100
    kp[JOINT_NAMES.index("L_Wrist")] = (180, 60)
    kp[JOINT_NAMES.index("L_Elbow")] = (140, 60)
    return kp


def test_draw_person_colours_sides():
    frame = np.zeros((240, 320, 3), np.uint8)
    draw_person(frame, _t_pose(), bbox_xywh=np.array([10, 10, 200, 200]))
    left_bgr = SIDE_COLORS_RGB["left"][::-1]
    assert (frame[60, 150] == left_bgr).all()  # the left forearm, drawn in the left colour
    assert frame.any()


def test_low_confidence_joints_are_left_out():
    frame = np.zeros((240, 320, 3), np.uint8)
    draw_person(frame, _t_pose(), confidence=np.zeros(18), min_confidence=0.5)
    assert not frame.any()


def test_message_band():
    frame = np.zeros((120, 320, 3), np.uint8)
    draw_message(frame, "no person detected")
    assert frame[2:20, 2:100].any()


def test_figure_has_skeleton_floor_and_equal_axes():
    rel = np.zeros((18, 3))
    rel[:, 1] = np.linspace(-800, 900, 18)  # camera y down: head negative, feet positive
    fig = skeleton_figure(rel, title="XS", uirevision="keep")
    names = [t.name for t in fig.data]
    assert "floor" in names and any("left" in n for n in names) and any("right" in n for n in names)
    scene = fig.layout.scene
    assert scene.aspectmode == "cube" and scene.xaxis.range == scene.zaxis.range
    assert fig.layout.uirevision == "keep"
    floor = next(t for t in fig.data if t.name == "floor")
    assert max(floor.z) < to_plot_axes(rel)[:, 2].min()  # under the feet
    assert skeleton_figure(None).data[0].name == "floor"


def test_animation_frames_follow_video_frame_numbers():
    from pose.draw import skeleton_animation

    rel = np.random.default_rng(0).normal(0, 300, (40, 18, 3))
    rel[5] = np.nan  # nobody in that frame
    fig = skeleton_animation(rel, list(range(100, 140)), max_frames=20)
    assert len(fig.frames) == 20 and fig.frames[0].name == "100" and fig.frames[-1].name == "139"
    assert [s.label for s in fig.layout.sliders[0].steps][:2] == ["100", "102"]
    assert fig.data[-1].name == "floor" and fig.layout.updatemenus[0].buttons[0].label == "Play"
    fig.to_json()


# fmt: off
FIGURE_PX = np.array([
    (50, 100), (40, 100), (40, 130), (40, 160), (60, 100), (60, 130), (60, 160),  # pelvis, right and left leg
    (50, 80), (50, 60), (50, 50), (50, 40),  # torso, neck, nose, head
    (65, 60), (80, 60), (95, 60), (35, 60), (20, 60), (5, 60), (50, 60),  # left arm, right arm, thorax
], dtype=float) + (100.0, 30.0)
# fmt: on


def _person(track_id: int, shift_px: float = 0.0, shift_mm: float = 0.0, confidence=None) -> Person:
    """A stick figure; 3D: its 2D layout at 5 m depth, 1 px = 5 mm, shifted ``shift_mm`` to the right."""
    kp2d = FIGURE_PX + (shift_px, 0.0)
    kp3d = np.concatenate([(kp2d - 100.0) * 5.0, np.full((18, 1), 5000.0)], axis=1)
    kp3d[:, 0] += shift_mm
    conf = np.full(18, 0.9) if confidence is None else confidence
    return Person(np.array([90.0, 40.0, 200.0, 120.0]), kp2d, kp3d, kp3d - kp3d[ROOT], conf, track_id)


def _trace_points(fig) -> np.ndarray:
    pts = [
        (x, y, z)
        for t in fig.data
        if t.type == "scatter3d" and t.mode != "text"
        for x, y, z in zip(t.x, t.y, t.z)
        if x is not None
    ]
    return np.array(pts)


def test_a_low_confidence_joint_is_absent_from_the_overlay_and_the_3d_figure():
    wrist, elbow = JOINT_NAMES.index("L_Wrist"), JOINT_NAMES.index("L_Elbow")
    confidence = np.full(18, 0.9)
    confidence[wrist] = 0.1
    person = _person(1, confidence=confidence)
    options = DrawOptions(min_confidence=0.3)

    frame = draw_people(np.zeros((240, 320, 3), np.uint8), [person], options)
    wx, wy = np.round(person.keypoints_2d[wrist]).astype(int)
    ex, ey = np.round(person.keypoints_2d[elbow]).astype(int)
    assert not frame[wy - 2 : wy + 3, wx - 2 : wx + 3].any()  # no joint dot, no bone end at the wrist
    assert not frame[(wy + ey) // 2, (wx + ex) // 2].any()  # nor the forearm
    assert frame[ey, ex].any()  # the elbow is drawn
    shown_all = draw_people(np.zeros((240, 320, 3), np.uint8), [person], DrawOptions(min_confidence=0.0))
    assert shown_all[wy, wx].any()  # the same joint, drawn when the threshold allows it

    fig = people_figure([person], min_confidence=0.3)
    points = _trace_points(fig)
    wrist_at = to_plot_axes(person.keypoints_3d[wrist] - person.keypoints_3d[ROOT])
    elbow_at = to_plot_axes(person.keypoints_3d[elbow] - person.keypoints_3d[ROOT])
    assert np.linalg.norm(points - wrist_at, axis=1).min() > 1.0  # neither a marker nor a bone end
    assert np.linalg.norm(points - elbow_at, axis=1).min() < 1e-6
    assert not any("L_Wrist" in str(t.text) for t in fig.data if getattr(t, "mode", "") == "markers")
    fig_all = people_figure([person], min_confidence=0.0)
    assert np.linalg.norm(_trace_points(fig_all) - wrist_at, axis=1).min() < 1e-6
    assert person.confidence[wrist] == 0.1  # the data keeps every joint; only drawing filters


def test_every_person_is_drawn_in_the_colour_of_their_track():
    people = [_person(1), _person(2, shift_px=110.0, shift_mm=1500.0)]
    frame = draw_people(np.zeros((240, 320, 3), np.uint8), people, DrawOptions(min_confidence=0.0))
    for person in people:
        x, y = np.round(person.keypoints_2d[JOINT_NAMES.index("R_Wrist")]).astype(int)
        assert tuple(frame[y, x]) == track_color(person.track_id)[::-1]  # the joint dot, in BGR
    assert track_color(1) != track_color(2) and track_color(1) == track_color(1 + len(TRACK_COLORS_RGB))

    fig = people_figure(people, min_confidence=0.0, uirevision="live")
    labels = [t.text[0] for t in fig.data if getattr(t, "mode", "") == "text"]
    assert labels == ["#1", "#2"] and fig.layout.uirevision == "live"
    joints = {t.name: t for t in fig.data if getattr(t, "mode", "") == "markers"}
    one, two = np.array(joints["#1 joints"].x), np.array(joints["#2 joints"].x)
    np.testing.assert_allclose(two - one, 1500.0 + 550.0)  # 110 px = 550 mm in the 2D layout, plus the shift
    assert joints["#2 joints"].marker.color[0] == "#{:02x}{:02x}{:02x}".format(*track_color(2))
    assert fig.layout.scene.xaxis.range[1] >= np.abs(np.concatenate([one, two])).max()
    assert people_figure([]).data[-1].name == "floor"
    nothing = DrawOptions(skeleton=False, joints=False, label=False)
    assert not draw_people(np.zeros((240, 320, 3), np.uint8), people, nothing).any()  # no stray id tags


@pytest.mark.parametrize("size", [(1138, 640), (360, 640), (1080, 1920), (300, 240)])
def test_a_message_fits_the_frame_whatever_its_shape(size):
    """The Live page's banner on a portrait clip ran off the frame's right edge ("BlazePose | openvino c")."""
    frame = np.zeros((*size, 3), dtype=np.uint8)
    draw_message(frame, "BlazePose | openvino cpu | 2 people")
    band = np.flatnonzero((frame[2] == 30).all(axis=1))
    assert len(band) and band[-1] < size[1] - 1, f"the band runs to column {band[-1]} of {size[1]}"
    written = np.flatnonzero((frame > 200).all(axis=2).any(axis=0))  # white text, anti-aliased
    assert len(written) and written[-1] < size[1] - 4
