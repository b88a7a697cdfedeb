"""Bytes from a source into a file, with progress: an http(s) URL, a Google Drive file, or a path on disk.

Every download goes to a temporary file beside its destination and is checked before it is kept (by the
caller: :mod:`pose.fetch.weights`, :mod:`pose.fetch.detectors`); a cut transfer (fewer bytes than the server
announced) is an error here. A source that cannot be reached at all (no network, the server down) raises
:class:`SourceUnreachable`, so that a command can say where to get the files by hand.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "FetchError",
    "SourceUnreachable",
    "Progress",
    "download",
    "sha256_of",
    "temporary_beside",
    "single_member",
    "TIMEOUT_S",
]

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes so far, bytes in all or None where the source does not say)."""

TIMEOUT_S = 30.0  # per blocking read: a silent server is given up on, not waited for
_CHUNK = 2**16


class FetchError(RuntimeError):
    """A download failed or what came is not usable; the message says which and why. Nothing was kept."""


class SourceUnreachable(FetchError):
    """The source could not be reached at all (no network, a server down, a path that does not exist)."""


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(2**20):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def temporary_beside(target: Path, suffix: str = ".part") -> Iterator[Path]:
    """A fresh temporary file's path in ``target``'s folder (created), removed on leaving whatever happened:
    the caller moves it into place with :func:`os.replace` (atomic on one file system) to keep it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def download(source: str, dest: Path, progress: Progress | None = None) -> None:
    """Write ``source``'s bytes to ``dest``.

    Args:
        source: an ``http://`` or ``https://`` URL, ``gdrive:<file id>``, or a path on disk.
        dest: the file to write (a temporary one: see :func:`temporary_beside`).
        progress: see :data:`Progress`.

    Raises:
        SourceUnreachable: no connection, the server down or silent, or no such path.
        FetchError: an HTTP error (404 ...), or a transfer cut short.
    """
    if source.startswith("gdrive:"):
        _from_drive(source.removeprefix("gdrive:"), dest, progress)
    elif source.split(":", 1)[0].lower() in ("http", "https"):
        _from_url(source, dest, progress)
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise SourceUnreachable(f"{path} does not exist")
        total = path.stat().st_size
        with path.open("rb") as src, dest.open("wb") as out:
            _copy(src, out, total, progress)


def _copy(src: io.RawIOBase, out, total: int | None, progress: Progress | None) -> int:
    done = 0
    while chunk := src.read(_CHUNK):
        out.write(chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def _from_url(url: str, dest: Path, progress: Progress | None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "convnextpose-live"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, dest.open("wb") as out:
            total = int(response.headers["Content-Length"]) if response.headers.get("Content-Length") else None
            done = _copy(response, out, total, progress)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url} answered HTTP {error.code} ({error.reason})") from None
    except urllib.error.URLError as error:  # no connection was made
        raise SourceUnreachable(f"cannot reach {url} ({error.reason})") from None
    except TimeoutError:
        raise SourceUnreachable(f"{url} did not answer within {TIMEOUT_S:.0f} s") from None
    except (http.client.HTTPException, OSError) as error:  # the connection broke during the transfer
        raise FetchError(f"the download from {url} broke off ({type(error).__name__}: {error})") from None
    if total is not None and done != total:
        raise FetchError(f"the download from {url} was cut short: {done:,} of {total:,} bytes")


def _from_drive(file_id: str, dest: Path, progress: Progress | None) -> None:
    """A Google Drive file by id, through gdown (which handles Drive's confirmation page for large files)."""
    import gdown

    try:
        written = gdown.download(id=file_id, output=str(dest), quiet=True, progress=progress, timeout=TIMEOUT_S)
    except Exception as error:  # gdown raises requests' and its own types: all mean the file did not come
        raise SourceUnreachable(f"cannot fetch Google Drive file {file_id} ({type(error).__name__}: {error})") from None
    if not written or not dest.is_file() or dest.stat().st_size == 0:
        raise FetchError(f"Google Drive gave nothing for file {file_id}")


def single_member(archive: Path, suffix: str, dest: Path, max_bytes: int) -> str:
    """Unpack the one member of zip ``archive`` whose name ends in ``suffix`` into ``dest``; its name.

    Raises:
        FetchError: a damaged archive, none or several such members, or one that unpacks to over ``max_bytes``.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if m.filename.lower().endswith(suffix) and not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in zf.infolist()[:6])
                raise FetchError(f"the archive holds {len(members)} {suffix} files, not one (it holds: {names})")
            member = members[0]
            if member.file_size > max_bytes:
                raise FetchError(f"{member.filename} unpacks to {member.file_size:,} bytes, over {max_bytes:,}")
            with zf.open(member) as src, dest.open("wb") as out:
                shutil.copyfileobj(src, out)
            return member.filename
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise FetchError(f"a damaged zip archive ({error})") from None
