"""An annotated photo set handed in as a zip or as loose files, unpacked safely into a folder.

Only annotation files (.json) and images are taken; every name is checked (no absolute paths, no
``..``, no links), the number of files and the bytes unpacked are bounded (a zip bomb stops at the
limit, whatever its header claims), and a set with no annotation file is refused with a clear message.
"""

from __future__ import annotations

import dataclasses
import io
import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .annotations import AnnotatedImage, AnnotationError, read_annotations

__all__ = ["PhotoSet", "PhotoSetError", "IMAGE_SUFFIXES", "MAX_FILES", "MAX_BYTES", "unpack_photos", "read_photo_set"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
MAX_FILES = int(os.environ.get("CONVNEXTPOSE_PHOTOS_MAX_FILES", 2000))
MAX_BYTES = int(os.environ.get("CONVNEXTPOSE_PHOTOS_MAX_MB", 1024)) * 2**20
_CHUNK = 2**20


class PhotoSetError(ValueError):
    """A photo set that cannot be used, with the reason."""


@dataclasses.dataclass(frozen=True)
class PhotoSet:
    """The annotated images found in a set, and the names of those its annotations name but it lacks (or holds
    twice under one file name, so that which is which cannot be told)."""

    images: tuple[AnnotatedImage, ...]
    missing: tuple[str, ...] = ()


def _safe_name(name: str) -> PurePosixPath | None:
    """The member's path relative to the folder, or None for one to skip (a folder, a macOS resource fork);
    raises for a name that would leave the folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if name.endswith(("/", "\\")) or not path.parts:
        return None
    if path.is_absolute() or ".." in path.parts or ":" in path.parts[0]:
        raise PhotoSetError(f"the archive names a file outside its folder ({name!r}): refused")
    if path.parts[0] == "__MACOSX" or path.name.startswith("._"):
        return None
    if path.suffix.lower() not in (".json", *IMAGE_SUFFIXES):
        return None
    return path


class _Writer:
    """Writes members under ``dest`` within the limits."""

    def __init__(self, dest: Path, max_files: int, max_bytes: int) -> None:
        self.dest, self.max_files, self.max_bytes = dest, max_files, max_bytes
        self.files = self.bytes = 0

    def write(self, name: str, stream) -> None:
        relative = _safe_name(name)
        if relative is None:
            return
        self.files += 1
        if self.files > self.max_files:
            raise PhotoSetError(f"more than {self.max_files} images and annotation files: too many")
        target = self.dest.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            while chunk := stream.read(_CHUNK):
                self.bytes += len(chunk)
                if self.bytes > self.max_bytes:
                    raise PhotoSetError(f"more than {self.max_bytes // 2**20} MB unpacked: too large")
                out.write(chunk)


def unpack_photos(
    files: Iterable[tuple[str, bytes]], dest: str | Path, *, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES
) -> Path:
    """Write an uploaded photo set into ``dest``: each (name, content) is a .zip (unpacked), a .json or an
    image (kept under its name); other files are skipped. Returns ``dest``.

    Raises:
        PhotoSetError: for a broken zip, a name outside the folder, too many files or bytes.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    writer = _Writer(dest, max_files, max_bytes)
    for name, content in files:
        if not name.lower().endswith(".zip"):
            writer.write(PurePosixPath(name.replace("\\", "/")).name, io.BytesIO(content))
            continue
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
        except zipfile.BadZipFile as exc:
            raise PhotoSetError(f"{name} is not a zip archive ({exc})") from exc
        with archive:
            for member in archive.infolist():
                if stat.S_ISLNK(member.external_attr >> 16):
                    continue  # a link could point anywhere
                try:
                    with archive.open(member) as stream:
                        writer.write(member.filename, stream)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
                    raise PhotoSetError(f"{name}: {member.filename} cannot be unpacked ({exc})") from exc
    return dest


def read_photo_set(folder: str | Path) -> PhotoSet:
    """The annotated images of an unpacked photo set, and the names of those it lacks; an image named in the
    annotations but unpacked elsewhere in the folder (the files handed in loose) is found by its file name.

    Raises:
        PhotoSetError: for a set with no annotation file, unusable annotations, or no image found.
    """
    folder = Path(folder)
    try:
        images = read_annotations(folder)
    except FileNotFoundError as exc:
        raise PhotoSetError(
            "no annotations: the set needs a COCO keypoints JSON (or a realgt annotations.json) beside its images"
            if "no .json" in str(exc)
            else str(exc)
        ) from exc
    except AnnotationError as exc:
        raise PhotoSetError(str(exc)) from exc
    by_name: dict[str, list[Path]] = {}
    for path in folder.rglob("*"):
        if path.suffix.lower() in IMAGE_SUFFIXES:
            by_name.setdefault(path.name, []).append(path)
    found, missing = [], []
    for image in images:
        inside = image.path.resolve().is_relative_to(folder.resolve())
        if inside and image.path.is_file():
            found.append(image)
        elif len(by_name.get(image.path.name, [])) == 1:
            found.append(dataclasses.replace(image, path=by_name[image.path.name][0]))
        else:
            missing.append(image.name)
    if not found:
        raise PhotoSetError(f"none of the {len(images)} annotated images is in the set")
    return PhotoSet(tuple(found), tuple(missing))
