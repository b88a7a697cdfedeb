"""The batch's records in OUT: ``manifest.json`` (what is done, for which content and settings, so that a
rerun skips it) and ``summary.csv`` / ``summary.json`` (one row per input), each written under a temporary
name and renamed."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from .batch_inputs import Item
from .outcome import Outcome
from .process import OUTPUT_NAMES
from .settings import VideoSettings

__all__ = ["MANIFEST", "SUMMARY_COLUMNS", "PARTIAL_MARK", "Manifest", "content_hash", "write_summary"]

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
SUMMARY_COLUMNS = ("input", "status", "frames", "people", "seconds", "frames_per_s", "error")
PARTIAL_MARK = ".partial-"


def content_hash(path: Path, known: dict | None = None) -> str:
    """SHA-256 of a file's bytes; reused from ``known`` (a manifest entry) while size and mtime are unchanged."""
    stat = path.stat()
    if known and known.get("size") == stat.st_size and known.get("mtime_ns") == stat.st_mtime_ns:
        return known["sha256"]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}{PARTIAL_MARK}{uuid.uuid4().hex[:8]}")
    partial.write_text(text)
    os.replace(partial, path)


class Manifest:
    """``OUT/manifest.json``: per input, its content hash, the settings' digest, and its outcome's row."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            try:
                self.entries = json.loads(self.path.read_text()).get("entries", {})
            except (json.JSONDecodeError, AttributeError):
                log.warning("%s is unreadable; every video runs again", self.path)

    def record(self, item: Item, sha256: str, settings: VideoSettings, outcome: Outcome) -> None:
        stat = item.path.stat() if item.path.exists() else None
        self.entries[item.name] = {
            "sha256": sha256,
            "size": stat.st_size if stat else None,
            "mtime_ns": stat.st_mtime_ns if stat else None,
            "settings": settings.digest(),
            "row": outcome.row(),
        }
        _write_atomically(self.path, json.dumps({"version": 1, "entries": self.entries}, indent=1))

    def earlier(self, item: Item, sha256: str, settings: VideoSettings, out: Path) -> Outcome | None:
        """The earlier outcome for the same content and settings, when it still stands (outputs complete)."""
        entry = self.entries.get(item.name)
        if not entry or entry.get("sha256") != sha256 or entry.get("settings") != settings.digest():
            return None
        row = entry["row"]
        if row["status"] == "done":
            if not all((out / item.name / f).is_file() for f in OUTPUT_NAMES.values()):
                return None
            status = "skipped"
        elif row["status"] == "failed":
            status = "failed"
        else:
            return None
        return Outcome(item.name, status, row["frames"], row["people"], row["seconds"], row["error"])


def write_summary(out: Path, outcomes: Sequence[Outcome]) -> None:
    """``summary.csv`` and ``summary.json``: one row per input (see :data:`SUMMARY_COLUMNS`)."""
    rows = [o.row() for o in outcomes]
    partial = out / f"summary.csv{PARTIAL_MARK}{uuid.uuid4().hex[:8]}"
    with open(partial, "w", newline="") as fh:
        writer = csv.DictWriter(fh, SUMMARY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, out / "summary.csv")
    _write_atomically(out / "summary.json", json.dumps(rows, indent=1))
