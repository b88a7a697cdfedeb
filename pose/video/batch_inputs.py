"""The batch's inputs: the videos a folder holds or a list file names, each with its name under OUT."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .io import VIDEO_SUFFIXES

__all__ = ["BatchError", "Item", "find_inputs"]


class BatchError(ValueError):
    """An INPUT that names no videos, or an OUT that cannot be used."""


@dataclass(frozen=True)
class Item:
    """One input video: where it is and its name under OUT (its path relative to INPUT)."""

    path: Path
    name: str


def find_inputs(source: str | Path) -> list[Item]:
    """The videos a folder holds (recursively, by suffix) or a text file lists (one path a line, # comments).

    Raises:
        BatchError: when the source does not exist or names no video.
    """
    source = Path(source)
    if source.is_dir():
        paths = sorted(p for p in source.rglob("*") if p.is_file() and p.suffix.lower().lstrip(".") in VIDEO_SUFFIXES)
        items = [Item(p, p.relative_to(source).as_posix()) for p in paths]
    elif source.is_file():
        items = []
        for line in source.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            path = Path(line) if Path(line).is_absolute() else source.parent / line
            name = Path(line).as_posix().lstrip("/") if Path(line).is_absolute() else Path(line).as_posix()
            items.append(Item(path, name))
    else:
        raise BatchError(f"{source}: no such folder or list file")
    if not items:
        raise BatchError(f"{source}: holds no video ({', '.join(VIDEO_SUFFIXES)})")
    names = [i.name for i in items]
    if len(set(names)) != len(names):
        raise BatchError(f"{source}: lists the same video more than once")
    return items
