"""Human3.6M evaluation: ``python -m pose.evaluate --data DATA --variant L``.

Reads Human3.6M in the layout the reference implementation uses::

    DATA/annotations/Human36M_subject9_data.json      images and boxes (COCO style)
    DATA/annotations/Human36M_subject9_camera.json    R, t, f, c per camera
    DATA/annotations/Human36M_subject9_joint_3d.json  world joints per action/subaction/frame
    DATA/images/<file_name>

and reports MPJPE after root alignment (protocol 2) and PA-MPJPE after
Procrustes alignment (protocol 1), per action and overall, on the 17 joints
without Thorax. With ``--bbox-root`` it takes the boxes and root depths from
the reference's ``bbox_root_human36m_output.json``; otherwise the ground-truth
box and root, as the reference does with ``use_gt_info``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..crop import expand_bbox
from ..geometry import decode_pose
from ..model.topdown import infer_boxes
from ..skeleton import EVAL_JOINTS, JOINT_NAMES, ROOT
from .metrics import mpjpe, pa_mpjpe

__all__ = ["ACTIONS", "Sample", "load_samples", "evaluate", "evaluate_folder", "network_predictor", "main"]

log = logging.getLogger(__name__)

ACTIONS = (
    "Directions",
    "Discussion",
    "Eating",
    "Greeting",
    "Phoning",
    "Posing",
    "Purchases",
    "Sitting",
    "SittingDown",
    "Smoking",
    "Photo",
    "Waiting",
    "Walking",
    "WalkDog",
    "WalkTogether",
)
_SHOULDERS = (JOINT_NAMES.index("L_Shoulder"), JOINT_NAMES.index("R_Shoulder"))


@dataclass(frozen=True)
class Sample:
    """One evaluation image with its ground truth."""

    image_path: Path
    action: str
    bbox_xywh: np.ndarray  # processed (aspect-preserving, 1.25x)
    root_depth_mm: float
    focal: tuple[float, float]
    principal_point: tuple[float, float]
    joints_cam_mm: np.ndarray  # (18, 3) with Thorax


def _with_thorax(joints_17: np.ndarray) -> np.ndarray:
    return np.vstack([joints_17, joints_17[list(_SHOULDERS)].mean(axis=0)])


def load_samples(
    data_dir: str | Path, subjects=(9, 11), sampling: int = 64, bbox_root: str | Path | None = None
) -> Iterator[Sample]:
    """Yield the test samples of ``subjects`` (every ``sampling``-th frame), as the reference selects them.

    Raises:
        FileNotFoundError: with the missing file's name.
    """
    data_dir = Path(data_dir)
    annotations = data_dir / "annotations"
    detected = {}
    if bbox_root:
        for entry in json.loads(Path(bbox_root).read_text()):
            detected[int(entry["image_id"])] = (np.array(entry["bbox"], float), float(entry["root_cam"][2]))
    for subject in subjects:
        stem = annotations / f"Human36M_subject{subject}"
        data = json.loads(Path(f"{stem}_data.json").read_text())
        cameras = json.loads(Path(f"{stem}_camera.json").read_text())
        joints = json.loads(Path(f"{stem}_joint_3d.json").read_text())
        images = {img["id"]: img for img in data["images"]}
        for ann in data["annotations"]:
            img = images[ann["image_id"]]
            if img["frame_idx"] % sampling:
                continue
            cam = cameras[str(img["cam_idx"])]
            rotation, translation = np.array(cam["R"], float), np.array(cam["t"], float).reshape(3)
            world = np.array(joints[str(img["action_idx"])][str(img["subaction_idx"])][str(img["frame_idx"])], float)
            joints_cam = _with_thorax(world) @ rotation.T + translation
            if ann["image_id"] in detected:
                bbox, root_depth = detected[ann["image_id"]]
            else:
                bbox = expand_bbox(ann["bbox"], (img["width"], img["height"]))
                if bbox is None:
                    continue
                root_depth = float(joints_cam[ROOT, 2])
            yield Sample(
                data_dir / "images" / img["file_name"],
                ACTIONS[img["action_idx"] - 2],
                bbox,
                root_depth,
                tuple(cam["f"]),
                tuple(cam["c"]),
                joints_cam,
            )


def network_predictor(runner, flip_test: bool = False) -> Callable[[Sample], np.ndarray]:
    """Predict (18, 3) camera mm for a sample with a runner (see :mod:`pose.model.backends`)."""

    def predict(sample: Sample) -> np.ndarray:
        image = cv2.imread(str(sample.image_path))
        if image is None:
            raise FileNotFoundError(f"cannot read {sample.image_path}")
        (out,) = infer_boxes(runner, runner.variant, [(image, sample.bbox_xywh)], flip_test=flip_test, expand=False)
        variant = runner.variant
        return decode_pose(
            out.coords_hm, out.transform, variant, sample.root_depth_mm, sample.focal, sample.principal_point
        )[1]

    return predict


def evaluate_folder(data_dir, runner, *, flip_test: bool = False) -> dict:
    """Overall MPJPE / PA-MPJPE of ``runner`` on the Human3.6M test set in ``data_dir`` (reference layout).

    Raises:
        FileNotFoundError, ValueError, KeyError: for a folder that is not that layout.
    """
    return evaluate(load_samples(data_dir), network_predictor(runner, flip_test))["overall"]


def evaluate(samples, predict: Callable[[Sample], np.ndarray], *, procrustes_scale: bool = False) -> dict:
    """MPJPE (protocol 2) and PA-MPJPE (protocol 1) in mm, per action and overall, on the 17 joints."""
    per_action: dict[str, list[tuple[float, float]]] = {}
    for sample in samples:
        pred = np.asarray(predict(sample), float)
        gt = sample.joints_cam_mm
        pred_rel, gt_rel = pred - pred[ROOT], gt - gt[ROOT]
        p2 = mpjpe(pred_rel[list(EVAL_JOINTS)], gt_rel[list(EVAL_JOINTS)], root=None).mean()
        aligned = pa_mpjpe(pred_rel, gt_rel, scale=procrustes_scale)  # aligned on all joints, as the reference
        p1 = aligned[list(EVAL_JOINTS)].mean()
        per_action.setdefault(sample.action, []).append((float(p2), float(p1)))
    if not per_action:
        raise ValueError("no evaluation samples found")
    rows = {
        a: {
            "samples": len(v),
            "mpjpe_mm": float(np.mean([e[0] for e in v])),
            "pa_mpjpe_mm": float(np.mean([e[1] for e in v])),
        }
        for a, v in per_action.items()
    }
    everything = [e for v in per_action.values() for e in v]
    overall = {
        "samples": len(everything),
        "mpjpe_mm": float(np.mean([e[0] for e in everything])),
        "pa_mpjpe_mm": float(np.mean([e[1] for e in everything])),
    }
    ordered = {a: rows[a] for a in ACTIONS if a in rows}
    return {"per_action": ordered, "overall": overall}


def format_results(results: dict) -> str:
    lines = [f"{'action':<14} {'samples':>7} {'MPJPE P2':>9} {'PA-MPJPE P1':>12}"]
    for action, row in [*results["per_action"].items(), ("overall", results["overall"])]:
        lines.append(f"{action:<14} {row['samples']:>7} {row['mpjpe_mm']:>9.2f} {row['pa_mpjpe_mm']:>12.2f}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pose.evaluate",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", required=True, help="the Human36M folder (annotations/, images/)")
    parser.add_argument("--variant", default="L")
    parser.add_argument("--checkpoint", help="a checkpoint file (default: looked up in the weights folder)")
    parser.add_argument("--subjects", type=int, nargs="+", default=[9, 11])
    parser.add_argument("--sampling", type=int, default=64, help="every Nth frame, as the reference tests")
    parser.add_argument("--bbox-root", help="bbox_root_human36m_output.json (detected boxes and root depths)")
    parser.add_argument("--flip-test", action="store_true")
    parser.add_argument(
        "--procrustes-scale",
        action="store_true",
        help="also fit a scale in protocol 1 (the reference fits rotation and translation only)",
    )
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    from ..model.load import load_runner

    try:
        runner = load_runner(args.variant, args.backend, args.device, checkpoint=args.checkpoint)
        samples = list(load_samples(args.data, args.subjects, args.sampling, args.bbox_root))
        results = evaluate(samples, network_predictor(runner, args.flip_test), procrustes_scale=args.procrustes_scale)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results.update(
        variant=runner.variant.name,
        trained=runner.trained,
        flip_test=args.flip_test,
        subjects=args.subjects,
        sampling=args.sampling,
        bbox_root=args.bbox_root,
    )
    if not runner.trained:
        print("warning: untrained weights: these errors measure nothing but the pipeline", file=sys.stderr)
    print(format_results(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
