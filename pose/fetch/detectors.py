"""Person detectors fetched by name (:data:`pose.detect.catalog.DETECTORS`) or kept from a file a person gives.

Either way the file is checked as the app uses it: opened by ONNX Runtime, run once, and its family read
(:class:`~pose.detect.onnx.OnnxPersonDetector`); a zip (OpenMMLab's "ONNX SDK" archives) gives up its one .onnx
member first. Only then is it moved into ``<weights folder>/detectors/<NAME>.onnx``, atomically, with
``<NAME>.json`` recording its SHA-256, where it came from and its family. A failed, cut or unusable file
leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import os
import time
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ..detect.catalog import DETECTORS, NAME_PATTERN, fetched_path
from ..detect.onnx import DetectorFileError, OnnxPersonDetector
from .download import FetchError, Progress, download, sha256_of, single_member, temporary_beside

__all__ = ["StoredDetector", "fetch_detector", "keep_detector", "where_to_get_detector", "MAX_DETECTOR_BYTES"]

log = logging.getLogger(__name__)

MAX_DETECTOR_BYTES = 512 * 2**20  # YOLOX-x's ONNX, the largest person detector rtmlib offers, is ~380 MB


@dataclass(frozen=True)
class StoredDetector:
    """A person detector kept in the cache.

    Attributes:
        name: the name the setting and the pages use.
        path: its .onnx file.
        sha256: the checksum of the file as downloaded (the archive, where it came in one).
        onnx_sha256: the checksum of the .onnx file kept.
        source: where it came from.
        family: the layout it is read as.
        input_size: the square input it is fed at.
    """

    name: str
    path: Path
    sha256: str
    onnx_sha256: str
    source: str
    family: str
    input_size: int

    def describe(self) -> str:
        return f"{self.name} ({self.family}, {self.input_size} px) -> {self.path}; sha256 {self.sha256[:12]}..."


def where_to_get_detector(name: str, *, in_app: bool = False) -> str:
    """Where to get ``name`` by hand and where to put it, in words: for the command line, or with ``in_app`` for
    the Models page (which has an upload and a source box of its own)."""
    entry = DETECTORS.get(name)
    url = (entry.url or entry.source) if entry else "its publisher"
    if in_app:
        also = "or upload it below; or paste another URL or path as the detector source and fetch again."
    else:
        also = "or upload it on the app's Models page; or fetch it from elsewhere with --source URL-or-path."
    return (
        f"Get it from {url} (an .onnx, or a zip holding one) and put the .onnx in "
        f"{fetched_path(name).parent.resolve()}/ as {name}.onnx, {also}"
    )


def _check_name(name: str) -> str:
    name = name.strip().lower()
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} cannot name a detector: use letters, digits, '.', '_' or '-' (at most 64)")
    return name


def keep_detector(
    candidate: Path, name: str, source: str, *, folder: Path | None = None, download_sha256: str | None = None
) -> StoredDetector:
    """Check ``candidate`` (an .onnx file, or a zip holding one) as a person detector and keep it as ``name``.

    The candidate is left where it is (the caller removes a temporary one).

    Raises:
        FetchError: not a usable person detector (the message says why); nothing was kept.
        ValueError: a name that cannot be a file name.
    """
    name = _check_name(name)
    target = fetched_path(name, folder)
    entry = DETECTORS.get(name)
    digest = download_sha256 or sha256_of(candidate)
    with temporary_beside(target, ".onnx") as onnx:
        if zipfile.is_zipfile(candidate):
            with zipfile.ZipFile(candidate) as archive:
                if any(n.endswith("data.pkl") for n in archive.namelist()):
                    raise FetchError(
                        f"{source} is not a usable person detector: it is a PyTorch checkpoint (ConvNeXtPose's "
                        "weights are fetched with `python -m pose.fetch weights`)"
                    )
            try:
                single_member(candidate, ".onnx", onnx, MAX_DETECTOR_BYTES)
            except FetchError as error:
                raise FetchError(f"{source} is not a usable person detector: {error}") from None
        else:
            onnx.write_bytes(candidate.read_bytes())
        try:
            detector = OnnxPersonDetector(onnx, threads=1, input_size=entry.input_size if entry else None)
        except DetectorFileError as error:  # said of the hidden temporary copy it read: said here of the source
            raise FetchError(f"{source} is not a usable person detector: it {error.reason}") from None
        stored = StoredDetector(
            name, target, digest, sha256_of(onnx), source, detector.layout.family, detector.input_size
        )
        detector.close()
        os.replace(onnx, target)  # atomic: the app never sees half a file
    record = {**asdict(stored), "path": str(target), "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    with temporary_beside(target.with_suffix(".json")) as part:
        part.write_text(json.dumps(record, indent=1))
        os.replace(part, target.with_suffix(".json"))
    log.info("kept person detector %s", stored.describe())
    return stored


def fetch_detector(
    name: str, *, source: str | None = None, folder: Path | None = None, progress: Progress | None = None
) -> StoredDetector:
    """Fetch the person detector ``name`` (from its publisher, or ``source``), check it, and keep it.

    Args:
        name: a name of :data:`~pose.detect.catalog.DETECTORS`, or any name with ``source``.
        source: a URL (http, https) or path of an .onnx file or a zip holding one, instead of the publisher's.
        folder: the weights folder (default :func:`~pose.model_folder.weights_dir`).
        progress: called as bytes arrive.

    Raises:
        SourceUnreachable: the source cannot be reached (a FetchError).
        FetchError: the download failed or is not a usable person detector, or the name has no ONNX to fetch;
            nothing was kept.
        ValueError: a name that cannot be a file name.
    """
    name = _check_name(name)
    entry = DETECTORS.get(name)
    if source is None:
        if entry is None:
            raise FetchError(f"no detector is called {name!r} here ({', '.join(DETECTORS)}); give --source for another")
        if entry.url is None:
            raise FetchError(
                f"{name}: its publisher gives PyTorch weights only ({entry.source}); export them to ONNX with mmdeploy "
                f"and keep the file with --source PATH"
            )
        source = entry.url
    with temporary_beside(fetched_path(name, folder), ".download") as raw:
        download(source, raw, progress)
        return keep_detector(raw, name, source, folder=folder, download_sha256=sha256_of(raw))
