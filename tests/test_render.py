import numpy as np

from pose.render import draw_message, draw_person, skeleton_figure, to_plot_axes
from pose.skeleton import JOINT_NAMES, SIDE_COLORS_RGB


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
    from pose.render import skeleton_animation

    rel = np.random.default_rng(0).normal(0, 300, (40, 18, 3))
    rel[5] = np.nan  # nobody in that frame
    fig = skeleton_animation(rel, list(range(100, 140)), max_frames=20)
    assert len(fig.frames) == 20 and fig.frames[0].name == "100" and fig.frames[-1].name == "139"
    assert [s.label for s in fig.layout.sliders[0].steps][:2] == ["100", "102"]
    assert fig.data[-1].name == "floor" and fig.layout.updatemenus[0].buttons[0].label == "Play"
    fig.to_json()
