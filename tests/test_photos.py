"""An annotated photo set handed in as a zip or loose files: unpacked safely, refused with the reason."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import cv2
import numpy as np
import pytest

from pose.measure.photos import PhotoSetError, read_photo_set, unpack_photos

COCO = {
    "images": [{"id": 1, "file_name": "images/a.jpg", "width": 64, "height": 48}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 2, 30, 40], "keypoints": [0] * 51}],
    "categories": [{"id": 1, "name": "person"}],
}


def _jpeg() -> bytes:
    return cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))[1].tobytes()


def _zip(members: dict[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_a_zip_of_coco_annotations_and_images(tmp_path):
    content = _zip({"set/coco.json": json.dumps(COCO).encode(), "set/images/a.jpg": _jpeg(), "set/notes.txt": b"x"})
    folder = unpack_photos([("photos.zip", content)], tmp_path / "out")
    assert not (folder / "set" / "notes.txt").exists()  # only annotations and images are taken
    photos = read_photo_set(folder)
    assert [i.path for i in photos.images] == [folder / "set" / "images" / "a.jpg"] and photos.missing == ()


def test_loose_files_are_found_by_name(tmp_path):
    folder = unpack_photos([("coco.json", json.dumps(COCO).encode()), ("a.jpg", _jpeg())], tmp_path / "out")
    assert [i.path.name for i in read_photo_set(folder).images] == ["a.jpg"]


def test_the_images_a_set_lacks_are_named(tmp_path):
    coco = dict(COCO, images=[*COCO["images"], dict(COCO["images"][0], id=2, file_name="images/b.jpg")])
    folder = unpack_photos([("coco.json", json.dumps(coco).encode()), ("a.jpg", _jpeg())], tmp_path / "out")
    photos = read_photo_set(folder)
    assert [i.path.name for i in photos.images] == ["a.jpg"] and photos.missing == ("images/b.jpg",)


def test_a_set_without_annotations_is_refused_clearly(tmp_path):
    folder = unpack_photos([("photos.zip", _zip({"a.jpg": _jpeg()}))], tmp_path / "out")
    with pytest.raises(PhotoSetError, match="no annotations: the set needs a COCO keypoints JSON"):
        read_photo_set(folder)


def test_annotations_without_their_images_are_refused(tmp_path):
    folder = unpack_photos([("coco.json", json.dumps(COCO).encode())], tmp_path / "out")
    with pytest.raises(PhotoSetError, match="none of the 1 annotated images is in the set"):
        read_photo_set(folder)


def test_annotations_naming_a_file_outside_the_set_do_not_reach_it(tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(_jpeg())
    coco = dict(COCO, images=[dict(COCO["images"][0], file_name="../secret.jpg")])
    folder = unpack_photos([("coco.json", json.dumps(coco).encode())], tmp_path / "out")
    with pytest.raises(PhotoSetError, match="none of the 1"):
        read_photo_set(folder)


@pytest.mark.parametrize("name", ["../evil.jpg", "/etc/evil.jpg", "set/../../evil.json", "C:/evil.jpg", "..\\evil.jpg"])
def test_a_name_outside_the_folder_is_refused(tmp_path, name):
    with pytest.raises(PhotoSetError, match="outside its folder"):
        unpack_photos([("photos.zip", _zip({name: _jpeg()}))], tmp_path / "out")
    assert not (tmp_path / "evil.jpg").exists() and not (tmp_path / "evil.json").exists()


def test_links_are_skipped(tmp_path):
    folder = unpack_photos([("photos.zip", _zip({"a.jpg": _jpeg()}, link="b.jpg"))], tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["a.jpg"]


def test_limits_stop_a_bomb_whatever_its_header_says(tmp_path):
    bomb = _zip({"big.jpg": b"\0" * 5_000_000})  # compresses to a few kB
    assert len(bomb) < 50_000
    with pytest.raises(PhotoSetError, match="more than 1 MB unpacked"):
        unpack_photos([("bomb.zip", bomb)], tmp_path / "out", max_bytes=2**20)
    with pytest.raises(PhotoSetError, match="more than 2 images"):
        unpack_photos([("a.jpg", b"1"), ("b.jpg", b"2"), ("c.jpg", b"3")], tmp_path / "out2", max_files=2)


def test_a_broken_zip_is_refused(tmp_path):
    with pytest.raises(PhotoSetError, match="not a zip archive"):
        unpack_photos([("photos.zip", b"PK no zip")], tmp_path / "out")
