import threading

import numpy as np
import pytest

import pose
from pose.engine.estimator import PoseEstimator, PoseResult
from pose.measure.samples import moving_person_frames, person_photo
from pose.model.load import load_runner


@pytest.fixture(scope="module")
def env_weights(tmp_path_factory):
    return tmp_path_factory.mktemp("no-weights")


def _presence(results):
    return "".join("P" if r.people else "." for r in results)


def test_every_frame_with_the_person_has_a_skeleton_and_redetects(moving_frames, xs_runner):
    with PoseEstimator(runner=xs_runner, detect_every=5) as estimator:
        results = [estimator.process(f, i / 30) for i, f in enumerate(moving_frames)]
    present = [i for i in range(len(moving_frames)) if not 30 <= i < 45]
    assert all(results[i].people for i in present), _presence(results)
    # the person is gone from 30: the detector (every 5th frame at most) notices within 5 frames
    assert not any(r.people for r in results[35:45]), _presence(results)
    assert results[45].detected and results[45].people  # lost track -> the detector runs at once
    detections = [i for i, r in enumerate(results) if r.detected]
    assert all(b - a <= 5 for a, b in zip(detections, detections[1:]))


def test_result_contract(moving_frames, xs_runner):
    estimator = PoseEstimator(runner=xs_runner)
    result = estimator.process(moving_frames[0])
    assert isinstance(result, PoseResult)
    assert (result.variant, result.backend, result.device, result.trained) == ("XS", "onnxruntime", "cpu", False)
    assert set(result.timings_ms) == {"detect", "crop", "infer", "decode", "total"}
    assert result.timings_ms["total"] >= result.timings_ms["infer"] > 0
    (person,) = result.people
    assert person.bbox_xywh.shape == (4,) and person.keypoints_2d.shape == (18, 2)
    assert person.keypoints_3d.shape == (18, 3) and person.keypoints_rel.shape == (18, 3)
    assert person.confidence.shape == (18,) and ((person.confidence > 0) & (person.confidence <= 1)).all()
    np.testing.assert_allclose(person.keypoints_rel[0], 0.0)
    np.testing.assert_allclose(person.keypoints_3d - person.keypoints_3d[0], person.keypoints_rel)
    # 2D keypoints lie in the (1.25x) box around the person; depth is positive and plausible
    x, y, w, h = person.bbox_xywh
    assert (person.keypoints_2d[:, 0] > x - 0.2 * w).all() and (person.keypoints_2d[:, 0] < x + 1.2 * w).all()
    assert 500 < person.keypoints_3d[0, 2] < 20000
    with pytest.raises(AttributeError):
        result.people = ()


def test_untrained_skeletons_are_confirmed_in_their_region_every_frame(xs_runner):
    """Untrained keypoints are never sure: BlazePose's landmark model confirms the person in the track's
    region on every frame (cheaper than a detection pass), and the box follows the person."""
    frames = list(moving_person_frames(40))
    with PoseEstimator(runner=xs_runner, detect_every=10) as estimator:
        results = [estimator.process(f, i / 30) for i, f in enumerate(frames)]
    assert [i for i, r in enumerate(results) if r.detected] == [0, 10, 20, 30]
    assert all(r.timings_ms["detect"] > 0 for r in results)  # confirming is detection work, timed as such
    centres = [r.people[0].bbox_xywh[0] + r.people[0].bbox_xywh[2] / 2 for r in results]
    assert np.corrcoef(np.arange(20), centres[:20])[0, 1] > 0.98  # the box follows the person frame by frame
    assert {r.people[0].track_id for r in results} == {1}


def test_a_person_who_left_is_not_looked_for_in_their_old_region(xs_runner):
    """Once the landmark model has not found the person in their region, the track is hidden and only the
    detector brings it back: looked for there frame after frame, an empty floor once came back as a person.
    While nobody is in view, the detector looks on every frame (a person who comes back is found at once)."""
    frames = list(moving_person_frames(40, absent=(15, 40)))
    asked = []

    class Counting:
        def __init__(self, confirmer):
            self.confirmer, self.landmarker, self.close = confirmer, confirmer.landmarker, confirmer.close

        def __call__(self, frame, regions):
            asked[-1] += len(regions)
            return self.confirmer(frame, regions)

    with PoseEstimator(runner=xs_runner, detect_every=10) as estimator:
        estimator.confirmer = Counting(estimator.confirmer)
        results = []
        for i, frame in enumerate(frames):
            asked.append(0)
            results.append(estimator.process(frame, i / 30))
    assert all(r.people for r in results[:15]) and not any(r.people for r in results[15:])
    assert asked[1:10] == [1] * 9 and asked[15] == 1  # confirmed every frame; not found on the 15th
    assert asked[16:] == [0] * (len(frames) - 16), asked  # then left to the detector:
    detected = [i for i, r in enumerate(results) if r.detected]
    assert detected == [0, 10, *range(16, 40)]  # at once, on schedule, then every frame while nobody is in view


def test_a_person_who_comes_back_is_found_within_two_frames(xs_runner):
    """MediaPipe looks on every frame while it tracks nobody; so does the engine, whatever ``detect_every``."""
    frames = list(moving_person_frames(60, absent=(10, 30)))
    with PoseEstimator(runner=xs_runner, detect_every=30) as estimator:
        found = [bool(estimator.process(frame, i / 30).people) for i, frame in enumerate(frames)]
    assert not any(found[12:30])
    back = found.index(True, 30)
    assert back - 30 <= 2, found


def test_nobody_in_view_is_a_normal_empty_result(xs_runner):
    empty = next(moving_person_frames(1, absent=(0, 1)))
    result = PoseEstimator(runner=xs_runner).process(empty)
    assert result.people == () and result.detected


@pytest.mark.parametrize(
    "frame, message",
    [
        (np.zeros((48, 64, 3), np.float32), "uint8"),
        (np.zeros((48, 64), np.uint8), r"\(H, W, 3\)"),
        (np.zeros((48, 64, 4), np.uint8), r"\(H, W, 3\)"),
        ([[0, 1, 2]], "numpy array"),
        (None, "numpy array"),
    ],
)
def test_bad_frames(xs_runner, frame, message):
    with pytest.raises(ValueError, match=message):
        PoseEstimator(runner=xs_runner).process(frame)


def test_bad_settings(xs_runner):
    with pytest.raises(ValueError, match="detect_every"):
        PoseEstimator(runner=xs_runner, detect_every=0)
    with pytest.raises(ValueError, match="unknown estimator"):
        PoseEstimator("XXL")
    with pytest.raises(ValueError, match="fov_deg"):
        PoseEstimator(runner=xs_runner, fov_deg=0)
    with pytest.raises(ValueError, match="disagrees"):
        PoseEstimator("L", runner=xs_runner)
    with pytest.raises(TypeError, match="unknown setting"):
        PoseEstimator(runner=xs_runner, detect_evry=3)
    with pytest.raises(ValueError, match="focal_px"):
        PoseEstimator(runner=xs_runner, focal_px=-5)


def test_a_focal_length_is_the_field_of_view_it_makes(moving_frames, xs_runner):
    frame = moving_frames[0]
    by_fov = PoseEstimator(runner=xs_runner, static_image_mode=True, fov_deg=70).process(frame).people[0]
    focal = frame.shape[1] / 2 / np.tan(np.radians(70) / 2)
    by_focal = PoseEstimator(runner=xs_runner, static_image_mode=True, focal_px=focal).process(frame).people[0]
    np.testing.assert_allclose(by_focal.keypoints_3d, by_fov.keypoints_3d, rtol=1e-6)
    longer = PoseEstimator(runner=xs_runner, static_image_mode=True, focal_px=2 * focal).process(frame).people[0]
    shift = longer.keypoints_3d[:, 2] - by_fov.keypoints_3d[:, 2]  # the root twice as far, the joints around it
    assert shift.min() > 1000 and np.ptp(shift) < 1e-6


def test_batch_equals_frame_by_frame(moving_frames, xs_runner):
    frames = moving_frames[:12]
    one = PoseEstimator(runner=xs_runner, detect_every=4, smoothing=False)
    many = PoseEstimator(runner=xs_runner, detect_every=4, smoothing=False)
    sequential = [one.process(f) for f in frames]
    batched = many.process_batch(frames[:6]) + many.process_batch(frames[6:])
    for a, b in zip(sequential, batched):
        assert a.detected == b.detected
        np.testing.assert_allclose(a.people[0].keypoints_2d, b.people[0].keypoints_2d, atol=1e-3)


def test_flip_test_changes_the_estimate_consistently(moving_frames, xs_runner):
    plain = PoseEstimator(runner=xs_runner, static_image_mode=True).process(moving_frames[0])
    flipped = PoseEstimator(runner=xs_runner, static_image_mode=True, flip_test=True).process(moving_frames[0])
    assert not np.allclose(plain.people[0].keypoints_2d, flipped.people[0].keypoints_2d)
    np.testing.assert_allclose(plain.people[0].bbox_xywh, flipped.people[0].bbox_xywh)


def test_trained_checkpoint_is_found_and_reported(tmp_path, conformance_dir):
    (tmp_path / "ConvNeXtPose_XS.tar").write_bytes((conformance_dir / "snapshot_XS_deterministic.pth.tar").read_bytes())
    runner = load_runner("XS", "onnxruntime", "cpu", weights_folder=tmp_path)
    assert runner.trained and runner.checkpoint.name == "ConvNeXtPose_XS.tar"
    with pytest.raises(pose.OtherSizeError, match="holds ConvNeXtPose-XS weights, not S: use it as XS") as caught:
        load_runner("S", "onnxruntime", "cpu", checkpoint=tmp_path / "ConvNeXtPose_XS.tar")
    assert (caught.value.held, caught.value.wanted) == ("XS", "S")
    assert "python -m pose.fetch weights --source" in str(caught.value)
    runner = load_runner("S", "onnxruntime", "cpu", checkpoint=tmp_path / "ConvNeXtPose_XS.tar", other_size=True)
    assert runner.variant.name == "XS" and runner.trained  # offered, and taken: run as what it holds


def test_smoothing_reduces_jitter_on_a_still_person(xs_runner):
    rng = np.random.default_rng(0)
    base = next(moving_person_frames(1))
    frames = [
        np.clip(base.astype(np.int16) + rng.integers(-12, 12, base.shape), 0, 255).astype(np.uint8) for _ in range(20)
    ]

    def jitter(smoothing):
        est = PoseEstimator(runner=xs_runner, smoothing=smoothing, detect_every=100)
        pts = np.stack([est.process(f, i / 30).people[0].keypoints_2d for i, f in enumerate(frames)])
        return np.abs(np.diff(pts, axis=0)).mean()

    assert jitter(True) < 0.5 * jitter(False)


# --- BlazePose, the bundled default ---------------------------------------------------------


def test_blazepose_gives_a_real_skeleton(moving_frames):
    with PoseEstimator("BlazePose", static_image_mode=True) as estimator:
        result = estimator.process(moving_frames[0])
    assert result.trained and result.backend == "openvino" and result.variant == "BlazePose"
    (person,) = result.people
    names = pose.JOINT_NAMES
    kp = person.keypoints_2d
    # a real face: nose above the thorax, shoulders either side of it, all in the frame
    assert kp[names.index("Nose"), 1] < kp[names.index("Thorax"), 1]
    assert kp[names.index("R_Shoulder"), 0] < kp[names.index("Nose"), 0] < kp[names.index("L_Shoulder"), 0]
    np.testing.assert_allclose(person.keypoints_rel[0], 0.0, atol=1e-9)
    shoulder_width = np.linalg.norm(
        person.keypoints_rel[names.index("L_Shoulder")] - person.keypoints_rel[names.index("R_Shoulder")]
    )
    assert 200 < shoulder_width < 600  # millimetres


def test_blazepose_on_a_full_body_photo(shared_dir):
    photo = person_photo(shared_dir / "images" / "jump_suit.jpg")
    with PoseEstimator("BlazePose", static_image_mode=True) as estimator:
        (person,) = estimator.process(photo).people
    names = pose.JOINT_NAMES
    kp = person.keypoints_2d
    assert kp[names.index("Head"), 1] < kp[names.index("Neck"), 1] < kp[names.index("Pelvis"), 1]
    assert kp[names.index("Pelvis"), 1] < kp[names.index("L_Knee"), 1] < kp[names.index("L_Ankle"), 1]
    assert person.confidence.min() > 0.3


class ScriptedDetector:
    """Replays known boxes per frame (frames carry their index in pixel (0, 0))."""

    def __init__(self, boxes_per_frame):
        self.boxes_per_frame = boxes_per_frame
        self.calls = 0

    def detect(self, frame_bgr):
        from pose.detect import Detection

        self.calls += 1
        return [Detection(np.array(b, dtype=float), 0.9) for b in self.boxes_per_frame[int(frame_bgr[0, 0, 0])]]

    def reset(self):
        pass

    def close(self):
        pass


class CountingRunner:
    """A runner that records the batch size of every call."""

    def __init__(self, runner):
        self._runner, self.batches = runner, []

    def __getattr__(self, name):
        return getattr(self._runner, name)

    def __call__(self, batch):
        self.batches.append(len(batch))
        return self._runner(batch)


def _two_people_clip(n_frames=30, leaves_at=None):
    """Two copies of the person photo walking towards each other; the right one leaves at ``leaves_at``."""
    import cv2

    photo = person_photo()
    h = 240
    small = cv2.resize(photo, (int(photo.shape[1] * h / photo.shape[0]), h))
    frames, boxes = [], []
    for i in range(n_frames):
        frame = np.full((360, 960, 3), 90, np.uint8)
        frame_boxes = []
        for x in (40 + 4 * i, 700 - 4 * i):
            if leaves_at is not None and i >= leaves_at and x > 480:
                continue
            frame[80 : 80 + h, x : x + small.shape[1]] = small
            frame_boxes.append((x, 80, small.shape[1], h))
        frame[0, 0] = i  # the scripted detector reads the frame index here
        frames.append(frame)
        boxes.append(frame_boxes)
    return frames, boxes


def test_every_person_is_tracked_with_a_stable_id_in_one_inference_call_per_frame(xs_runner):
    frames, boxes = _two_people_clip()
    runner = CountingRunner(xs_runner)
    with PoseEstimator(
        runner=runner, detector=ScriptedDetector(boxes), confirm_tracks=False, detect_every=5
    ) as estimator:
        results = [estimator.process(f, i / 30) for i, f in enumerate(frames)]
    assert [[p.track_id for p in r.people] for r in results] == [[1, 2]] * len(frames)
    assert runner.batches == [2] * len(frames)  # both crops of a frame in one call
    for r, frame_boxes in zip(results, boxes):
        left, right = r.people
        assert left.bbox_xywh[0] < right.bbox_xywh[0]  # id 1 stays the left person
        np.testing.assert_allclose(left.bbox_xywh, frame_boxes[0])


def test_a_person_who_leaves_is_gone_within_three_frames(xs_runner):
    frames, boxes = _two_people_clip(leaves_at=12)
    with PoseEstimator(
        runner=xs_runner, detector=ScriptedDetector(boxes), confirm_tracks=False, detect_every=30
    ) as estimator:
        counts = [len(estimator.process(f, i / 30).people) for i, f in enumerate(frames)]
    assert counts[:12] == [2] * 12
    assert counts[15:] == [1] * (len(frames) - 15), counts


def test_max_people_keeps_the_largest(xs_runner):
    frames, boxes = _two_people_clip(n_frames=3)
    boxes = [[b[0], (b[1][0], b[1][1] + 60, b[1][2] // 2, b[1][3] // 2)] for b in boxes]
    with PoseEstimator(
        runner=xs_runner, detector=ScriptedDetector(boxes), confirm_tracks=False, max_people=1
    ) as estimator:
        results = [estimator.process(f, i / 30) for i, f in enumerate(frames)]
    assert all(len(r.people) == 1 and r.people[0].bbox_xywh[0] < 480 for r in results)
    with pytest.raises(ValueError, match="max_people"):
        PoseEstimator(runner=xs_runner, max_people=0)


class GatedDetector:
    """The bundled detector, held back until the test opens the gate: a detection slower than any frame."""

    def __init__(self) -> None:
        from pose.detect import create_detector

        self.inner, self.gate = create_detector(), threading.Event()

    def detect(self, frame_bgr):
        assert self.gate.wait(60.0)
        return self.inner.detect(frame_bgr)

    def reset(self) -> None:
        self.inner.reset()

    def close(self) -> None:
        self.inner.close()


def test_with_detection_on_a_worker_a_slow_detection_never_stalls_a_frame(xs_runner, moving_frames):
    detector = GatedDetector()
    with PoseEstimator(runner=xs_runner, detector=detector, async_detection=True) as estimator:
        early = [estimator.process(frame, i / 30) for i, frame in enumerate(moving_frames[:5])]
        assert all(not r.people and not r.detected for r in early)  # returned while the detector was held
        detector.gate.set()
        assert estimator.worker.wait_idle(60.0)  # its answer is merged on the next frame
        later = [estimator.process(frame, (5 + i) / 30) for i, frame in enumerate(moving_frames[5:25])]
    assert any(r.detected for r in later)
    assert sum(bool(r.people) for r in later) >= 15  # found, then followed between detections
    assert {p.track_id for r in later for p in r.people} == {1}


def test_a_frame_of_another_view_starts_afresh_and_another_resolution_does_not(xs_runner):
    """The same view smaller (a WebRTC encoder's scaling) keeps the tracks, scaled; another aspect ratio (another
    camera) is a new sequence: tracks and ids start again."""
    import cv2

    frames = list(moving_person_frames(6))
    height, width = frames[0].shape[:2]
    estimator = PoseEstimator(runner=xs_runner)
    before = [estimator.process(frame) for frame in frames[:3]][-1]
    box = before.people.bbox_xywh[0]
    smaller = estimator.process(cv2.resize(frames[3], (width // 2, height // 2)))
    assert estimator.tracker.frame == 4 and smaller.people.track_id.tolist() == [1]
    np.testing.assert_allclose(smaller.people.bbox_xywh[0], box / 2, atol=0.08 * height)  # the person barely moved
    estimator.process(frames[4][:, :height])  # square: another view
    assert estimator.tracker.frame == 1
