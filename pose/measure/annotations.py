"""Annotated photos of people, read into one form: COCO keypoints JSON, or the realgt format with 3D and cameras.

Two formats are read (:func:`read_annotations` tells them apart):

- **COCO keypoints** (``images``, ``annotations``, ``categories``): a person's ``bbox``, ``keypoints``
  (17 x [x, y, v] in COCO's order), ``iscrowd``. Optional, Human3.6M-style: ``joint_cam`` (17 x [X, Y, Z]
  camera mm in Human3.6M's joint order) on an annotation and ``cam_param`` (``focal``, ``princpt``) on its
  image, as ConvNeXtPose's reference data files carry them.
- **realgt** (``images`` with ``people``): COCO's 17 joint names and ``head_top``, ``neck``, ``thorax``,
  ``pelvis`` by name, ignore regions, and for 3D people ``joints_3d_cam_mm`` by Human3.6M joint name
  with a ``camera`` (``focal``, ``center``).

Everything comes out as :class:`AnnotatedImage` with :class:`GroundTruthPerson` people; a file that is
neither format, or a person with malformed fields, is refused with :class:`AnnotationError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "COCO_KEYPOINTS",
    "EXTRA_KEYPOINTS",
    "KEYPOINT_NAMES",
    "H36M_JOINTS",
    "CLEAR_MIN_JOINTS",
    "CLEAR_MIN_HEIGHT_PX",
    "AnnotationError",
    "Camera",
    "GroundTruthPerson",
    "AnnotatedImage",
    "read_annotations",
    "find_annotations",
]

# fmt: off
COCO_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)
# Human3.6M's 17 joints, in its order (the reference's joint_cam), named as realgt names them.
H36M_JOINTS: tuple[str, ...] = (
    "pelvis", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle",
    "spine", "thorax", "neck_nose", "head",
    "left_shoulder", "left_elbow", "left_wrist", "right_shoulder", "right_elbow", "right_wrist",
)
# fmt: on
EXTRA_KEYPOINTS: tuple[str, ...] = ("head_top", "neck", "thorax", "pelvis")  # realgt's names beyond COCO's
KEYPOINT_NAMES: tuple[str, ...] = (*COCO_KEYPOINTS, *EXTRA_KEYPOINTS)

# A "clear" person: counted by recall and precision. Others (crowds, few joints, small) count neither way.
CLEAR_MIN_JOINTS = 8
CLEAR_MIN_HEIGHT_PX = 96.0


class AnnotationError(ValueError):
    """An annotation file that cannot be read as COCO keypoints or realgt, with the reason."""


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: focal length and principal point, pixels."""

    focal: tuple[float, float]
    center: tuple[float, float]


@dataclass(frozen=True)
class GroundTruthPerson:
    """One annotated person.

    Attributes:
        box_xywh: (4,) pixels.
        keypoints: (21, 3) x, y, v in :data:`KEYPOINT_NAMES` order; v = 0 where not labelled.
        iscrowd: a crowd annotation (counts neither way).
        joints_3d_cam_mm: (17, 3) camera millimetres in :data:`H36M_JOINTS` order, NaN where unknown; None
            for a 2D-only person.
    """

    box_xywh: np.ndarray
    keypoints: np.ndarray
    iscrowd: bool = False
    joints_3d_cam_mm: np.ndarray | None = None

    @property
    def num_labelled(self) -> int:
        return int((self.keypoints[:, 2] > 0).sum())

    @property
    def clear(self) -> bool:
        """Not a crowd, at least :data:`CLEAR_MIN_JOINTS` labelled joints, at least :data:`CLEAR_MIN_HEIGHT_PX`
        tall: the people recall and precision are measured on."""
        return not self.iscrowd and self.num_labelled >= CLEAR_MIN_JOINTS and self.box_xywh[3] >= CLEAR_MIN_HEIGHT_PX


@dataclass(frozen=True)
class AnnotatedImage:
    """One image and its ground truth.

    Attributes:
        path: the image file.
        name: its name relative to the annotation file (how reports name it).
        size: (width, height).
        people: the annotated people.
        ignore_regions: polygons (K, 2) pixels over unannotated people; a detection mostly inside one
            counts neither way.
        camera: the image's camera, where the annotations give it.
    """

    path: Path
    name: str
    size: tuple[int, int]
    people: tuple[GroundTruthPerson, ...]
    ignore_regions: tuple[np.ndarray, ...] = field(default_factory=tuple)
    camera: Camera | None = None


def _array(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    try:
        out = np.asarray(value, dtype=np.float64).reshape(shape)
    except (TypeError, ValueError) as exc:
        raise AnnotationError(f"{what} must be {' x '.join(map(str, shape))} numbers, got {value!r:.80}") from exc
    if not np.isfinite(out).all():
        raise AnnotationError(f"{what} holds a value that is not a finite number")
    return out


def _camera(entry: dict | None, what: str) -> Camera | None:
    if not entry:
        return None
    focal = _array(entry.get("focal"), (-1,), f"{what} focal")
    center = _array(entry.get("center", entry.get("princpt")), (2,), f"{what} centre")
    focal = np.repeat(focal, 2) if focal.size == 1 else focal.reshape(2)
    if (focal <= 0).any():
        raise AnnotationError(f"{what} focal must be positive")
    return Camera((float(focal[0]), float(focal[1])), (float(center[0]), float(center[1])))


def _box_polygon(box) -> np.ndarray:
    x, y, w, h = box
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)


def _read_realgt(data: dict, folder: Path) -> list[AnnotatedImage]:
    images = []
    for n, img in enumerate(data["images"]):
        what = f"image {n} ({img.get('file', '?')})"
        if not img.get("annotated", True):
            continue
        people = []
        for k, p in enumerate(img.get("people", [])):
            who = f"{what} person {k}"
            keypoints = np.zeros((len(KEYPOINT_NAMES), 3))
            for name, xyv in (p.get("keypoints") or {}).items():
                if name in KEYPOINT_NAMES:
                    keypoints[KEYPOINT_NAMES.index(name)] = _array(xyv, (3,), f"{who} {name}")
            joints_3d = None
            if p.get("joints_3d_cam_mm"):
                joints_3d = np.full((len(H36M_JOINTS), 3), np.nan)
                for name, xyz in p["joints_3d_cam_mm"].items():
                    if name in H36M_JOINTS:
                        joints_3d[H36M_JOINTS.index(name)] = _array(xyz, (3,), f"{who} 3D {name}")
            people.append(
                GroundTruthPerson(
                    _array(p.get("box_xywh"), (4,), f"{who} box"), keypoints, bool(p.get("iscrowd")), joints_3d
                )
            )
        regions = []
        for region in img.get("ignore_regions", []):
            if "polygon" in region:
                regions.append(_array(region["polygon"], (-1, 2), f"{what} ignore polygon"))
            else:
                regions.append(_box_polygon(_array(region.get("box_xywh"), (4,), f"{what} ignore box")))
        camera = _camera(
            img.get("camera") or next((p["camera"] for p in img.get("people", []) if p.get("camera")), None), what
        )
        images.append(
            AnnotatedImage(
                folder / img["file"],
                img["file"],
                (int(img["width"]), int(img["height"])),
                tuple(people),
                tuple(regions),
                camera,
            )
        )
    return images


def _read_coco(data: dict, folder: Path) -> list[AnnotatedImage]:
    person_ids = {c["id"] for c in data.get("categories", []) if c.get("name") == "person"}
    by_image: dict = {img["id"]: [] for img in data["images"]}
    for n, ann in enumerate(data["annotations"]):
        if person_ids and ann.get("category_id") not in person_ids:
            continue
        if ann.get("image_id") not in by_image:
            raise AnnotationError(f"annotation {n} names image {ann.get('image_id')!r}, which is not in 'images'")
        by_image[ann["image_id"]].append(ann)
    images = []
    for img in data["images"]:
        what = f"image {img.get('file_name', img['id'])}"
        people = []
        for ann in by_image[img["id"]]:
            who = f"{what} annotation {ann.get('id', '?')}"
            keypoints = np.zeros((len(KEYPOINT_NAMES), 3))
            if ann.get("keypoints"):
                keypoints[: len(COCO_KEYPOINTS)] = _array(
                    ann["keypoints"], (len(COCO_KEYPOINTS), 3), f"{who} keypoints"
                )
            joints_3d = (
                _array(ann["joint_cam"], (len(H36M_JOINTS), 3), f"{who} joint_cam") if ann.get("joint_cam") else None
            )
            people.append(
                GroundTruthPerson(
                    _array(ann.get("bbox"), (4,), f"{who} bbox"), keypoints, bool(ann.get("iscrowd")), joints_3d
                )
            )
        images.append(
            AnnotatedImage(
                folder / img["file_name"],
                img["file_name"],
                (int(img["width"]), int(img["height"])),
                tuple(people),
                (),
                _camera(img.get("cam_param") or img.get("camera"), what),
            )
        )
    return images


def find_annotations(path: str | Path) -> Path:
    """The annotation file for ``path``: itself, or in a folder ``annotations.json`` or its only .json file.

    Raises:
        FileNotFoundError: where there is none (or several .json files and no ``annotations.json``).
    """
    path = Path(path)
    if path.is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if (path / "annotations.json").is_file():
        return path / "annotations.json"
    found = sorted(p for p in path.rglob("*.json") if not any(part.startswith(".") for part in p.parts))
    if len(found) != 1:
        what = "no .json file" if not found else f"{len(found)} .json files and no annotations.json"
        raise FileNotFoundError(f"{path} has {what}: give the COCO keypoints or realgt annotation file")
    return found[0]


def read_annotations(path: str | Path) -> list[AnnotatedImage]:
    """Read the annotated images of a COCO keypoints or realgt file (or a folder holding one).

    Image paths are relative to the annotation file's folder. Images without ground truth (realgt's
    ``"annotated": false``) are left out.

    Raises:
        FileNotFoundError: for a missing file or folder.
        AnnotationError: for a file that is not valid JSON in either format.
    """
    file = find_annotations(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnnotationError(f"{file.name} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("images"), list):
        raise AnnotationError(f"{file.name} has no 'images' list: not COCO keypoints or realgt annotations")
    try:
        if isinstance(data.get("annotations"), list):
            return _read_coco(data, file.parent)
        if all(isinstance(img, dict) and "people" in img for img in data["images"]):
            return _read_realgt(data, file.parent)
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnnotationError(f"{file.name}: a malformed entry ({type(exc).__name__}: {exc})") from exc
    raise AnnotationError(
        f"{file.name} is neither COCO keypoints ('images' and 'annotations') nor realgt ('images' with 'people')"
    )
