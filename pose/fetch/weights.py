"""The authors' ConvNeXtPose checkpoints, fetched on request and kept under the size each file holds.

The source by default is the Google Drive folder the authors' README links
(https://github.com/medialab-ku/ConvNeXtPose); ``source`` fetches one file from anywhere else (a URL or a
path). Each file is checked by loading it (:func:`pose.store_as_held`): its tensors say which size it holds,
and it is stored as that size whatever it was called (a public fork reports that the files named M and L in
the authors' folder hold S). A download that fails, is cut, or is not a checkpoint leaves nothing behind.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from ..model import VARIANTS, CheckpointError, checkpoint_path, get_variant, store_as_held
from ..model_folder import weights_dir
from .download import FetchError, Progress, SourceUnreachable, download, sha256_of, temporary_beside

__all__ = [
    "DRIVE_FOLDER_ID",
    "DRIVE_FOLDER_URL",
    "AUTHORS_REPOSITORY",
    "StoredWeights",
    "fetch_weights",
    "where_to_get",
]

log = logging.getLogger(__name__)

DRIVE_FOLDER_ID = "12H7zkLvmJtrkCmAUAPkQ6788WAnO60gI"
DRIVE_FOLDER_URL = f"https://drive.google.com/drive/folders/{DRIVE_FOLDER_ID}"
AUTHORS_REPOSITORY = "https://github.com/medialab-ku/ConvNeXtPose"
_NAMED_SIZE = re.compile(r"convnextpose[_-]?(xs|s|m|l)\b", re.IGNORECASE)


@dataclass(frozen=True)
class StoredWeights:
    """One checkpoint fetched and kept.

    Attributes:
        asked: the size it was fetched as (its name, or the size asked for; None for a ``source`` of no size).
        held: the size its tensors hold, which it is stored as.
        path: the file written.
        sha256: the downloaded file's checksum.
        source: where it came from.
    """

    asked: str | None
    held: str
    path: Path
    sha256: str
    source: str

    def describe(self) -> str:
        """One line for a person: what was stored where, and a name that was wrong."""
        said = f" (named {self.asked}, it holds {self.held}: stored as {self.held})" if self._renamed else ""
        return f"ConvNeXtPose-{self.held} -> {self.path}{said}; sha256 {self.sha256[:12]}..."

    @property
    def _renamed(self) -> bool:
        return self.asked is not None and self.asked != self.held


def where_to_get(folder: Path | None = None, *, in_app: bool = False) -> str:
    """Where to get the checkpoints by hand and where to put them, in words: for the command line, or with
    ``in_app`` for the Models page (which has an upload and a source box of its own)."""
    folder = folder or weights_dir()
    if in_app:
        also = "or upload them below; or paste another URL or path as the checkpoint source and fetch again."
    else:
        also = "or upload them on the app's Models page; or fetch one from elsewhere with --source URL-or-path."
    return (
        f"Get the authors' checkpoints from {DRIVE_FOLDER_URL} (linked from {AUTHORS_REPOSITORY}) and put them in "
        f"{folder.resolve()}/ as ConvNeXtPose_<XS|S|M|L>.tar (the authors' names), {also}"
    )


def _drive_listing() -> dict[str, str]:
    """The authors' folder: {size named in the file name: Drive file id}.

    Raises:
        SourceUnreachable: Google Drive could not be listed.
    """
    import gdown

    try:
        files = gdown.download_folder(id=DRIVE_FOLDER_ID, skip_download=True, quiet=True)
    except Exception as error:  # gdown raises requests' and its own types: all mean no listing
        raise SourceUnreachable(f"cannot list {DRIVE_FOLDER_URL} ({type(error).__name__}: {error})") from None
    listing = {}
    for file in files or []:
        if found := _NAMED_SIZE.search(Path(file.path).name):
            listing.setdefault(found[1].upper(), file.id)
    return listing


def _keep(source: str, asked: str | None, folder: Path | None, progress: Progress | None) -> StoredWeights:
    """Download ``source``, check it by loading it, and store it as the size it holds; nothing kept on failure."""
    with temporary_beside(checkpoint_path(asked or "XS", folder)) as part:
        download(source, part, progress)
        digest = sha256_of(part)
        try:
            held, target = store_as_held(part, folder, replace=True)
        except CheckpointError as error:
            raise FetchError(f"{source} is not a usable ConvNeXtPose checkpoint: {error.reason}") from None
    if asked is None and (found := _NAMED_SIZE.search(Path(source).name)):
        asked = found[1].upper()
    stored = StoredWeights(asked, held, target, digest, source)
    log.info("fetched %s", stored.describe())
    return stored


def fetch_weights(
    sizes: list[str] | tuple[str, ...] = (),
    *,
    source: str | None = None,
    folder: Path | None = None,
    progress: Progress | None = None,
) -> list[StoredWeights]:
    """Fetch checkpoints and keep each under the size it holds in the weights folder.

    Args:
        sizes: the sizes to fetch from the authors' folder (default: all four); with ``source``, at most one (the
            size the file is said to hold; it is stored as what it holds whatever this says).
        source: one file's URL (http, https) or path, instead of the authors' folder.
        folder: the weights folder (default :func:`~pose.model_folder.weights_dir`).
        progress: called as bytes arrive, per file.

    Raises:
        SourceUnreachable: the source cannot be reached (no network, the server down); nothing was kept.
        FetchError: a download failed or is not a usable checkpoint; nothing of it was kept.
        ValueError: an unknown size, or several with ``source``.
    """
    sizes = [get_variant(s).name for s in sizes]
    if source is not None:
        if len(sizes) > 1:
            raise ValueError("--source is one file: give at most one size with it")
        return [_keep(source, sizes[0] if sizes else None, folder, progress)]
    listing = _drive_listing()
    stored = []
    for size in sizes or list(VARIANTS):
        if size not in listing:
            raise FetchError(f"the authors' folder ({DRIVE_FOLDER_URL}) has no file named for {size}")
        stored.append(_keep(f"gdrive:{listing[size]}", size, folder, progress))
    return stored
