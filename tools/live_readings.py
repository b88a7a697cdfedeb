"""Each Live page reading beside the engine offline on the same frame, and where the people it missed were lost.

The server writes a line per WebRTC frame (``ui/live_session.py``, :mod:`pose.live.trace`): its thumbnail finds
the camera frame it was (the nearest of the camera's thumbnails), and its funnel says how far the missing people
got. A frame's people are compared with the engine's offline on that camera frame, detection inline (every
frame it is due: deterministic, the most the engine finds), at the camera's size and at the size the server
received.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from pose.live.trace import thumbnail

__all__ = [
    "LOST_STAGES",
    "Reading",
    "camera_thumbnails",
    "match_frames",
    "lost_stage",
    "readings",
    "summarise",
    "format_readings",
    "format_same_frames",
]

# Where a person the engine finds offline was lost on the page, in the order the frame path meets them.
NOT_DETECTED = "never detected"  # the detector's newest people were fewer than offline's
# found, then out of sight (its region did not confirm it), or no pose where it was found on this frame
NOT_CONFIRMED = "detected, not confirmed"
HELD_NEWCOMER = "held by the newcomer rules"  # a newcomer within another's box, waiting for a second detection
DUPLICATE = "dropped as a duplicate"  # a track dropped as another's duplicate on this frame
LOST_STAGES = (NOT_DETECTED, NOT_CONFIRMED, HELD_NEWCOMER, DUPLICATE)


def _normalised(thumbs: np.ndarray) -> np.ndarray:
    flat = np.asarray(thumbs, dtype=np.float32).reshape(len(thumbs), -1)
    return flat - flat.mean(axis=1, keepdims=True)  # an encoder's brightness shift is not another frame


def camera_thumbnails(frames_bgr: Iterable[np.ndarray]) -> np.ndarray:
    """(N, 256) the camera's frames as the server's lines hold them (:func:`pose.live.trace.thumbnail`)."""
    return np.array([thumbnail(frame).ravel() for frame in frames_bgr])


def match_frames(line_thumbs: Sequence[Sequence[int]], camera: np.ndarray) -> np.ndarray:
    """(M,) for each server line's thumbnail, the index of the nearest camera frame's (brightness taken out)."""
    if not len(line_thumbs):
        return np.zeros(0, dtype=int)
    lines, cams = _normalised(np.asarray(line_thumbs)), _normalised(camera)
    distances = (lines**2).sum(1)[:, None] - 2 * lines @ cams.T + (cams**2).sum(1)[None, :]
    return distances.argmin(axis=1)


def lost_stage(shown: int, offline: int, found: int | None, held: int, hidden: int, duplicates: int = 0) -> str | None:
    """Where the people the page did not show (``shown`` of ``offline``) were lost, by the frame's funnel (None:
    none missing). The first stage that accounts for them: the detector, the newcomer rules, the duplicates, the
    confirmation (a track out of sight, or a person found whom the pose model did not see there on this frame)."""
    if shown >= offline:
        return None
    if found is None or found < offline:
        return NOT_DETECTED
    if held:
        return HELD_NEWCOMER
    if duplicates:
        return DUPLICATE
    return NOT_CONFIRMED


@dataclass(frozen=True)
class Reading:
    """One page reading and the server's frame at its time (None: not known).

    Attributes:
        t: wall time of the reading.
        page: "People in view" as the page showed it.
        frame: the camera frame the server had processed last (index into the .y4m).
        shown: people the server showed on that frame (what the page reads).
        offline, offline_received: people the engine offline found on that camera frame, at the camera's size
            and at the size the server received.
        size: the frame size the server received, "WxH".
        found, held, hidden, duplicates: the server's funnel on that frame (:func:`pose.live.trace.funnel`).
        lost: where the missing people were lost (:func:`lost_stage`), None where none was missing.
    """

    t: float
    page: float | None
    frame: int | None
    shown: int | None
    offline: int | None
    offline_received: int | None
    size: str | None
    found: int | None
    held: int | None
    hidden: int | None
    duplicates: int | None
    lost: str | None


def readings(
    samples: Sequence, timing: Sequence[dict], camera: np.ndarray, offline: Sequence[int],
    offline_received: Sequence[int] | None = None,
) -> list[Reading]:  # fmt: skip
    """Each page sample (``.t``, ``.people``) with the newest server line at its time, matched to ``camera``'s
    thumbnails, and the offline counts (per camera frame) of that frame."""
    lines = [x for x in timing if "thumb" in x]
    frames = match_frames([x["thumb"] for x in lines], camera)
    times = np.array([x["t"] for x in lines])
    out = []
    for sample in samples:
        k = int(np.searchsorted(times, sample.t, side="right")) - 1
        if k < 0:
            out.append(Reading(sample.t, sample.people, *([None] * 10)))
            continue
        line, frame = lines[k], int(frames[k])
        seen = offline[frame] if frame < len(offline) else None
        received = offline_received[frame] if offline_received is not None and frame < len(offline_received) else None
        funnel = line.get("found"), line.get("held", 0), line.get("hidden", 0), line.get("duplicates", 0)
        lost = lost_stage(line["people"], seen, *funnel) if seen is not None else None
        out.append(
            Reading(sample.t, sample.people, frame, line["people"], seen, received, f"{line['w']}x{line['h']}",
                    *funnel, lost)
        )  # fmt: skip
    return out


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(statistics.median(values)) if values else None


def summarise(kept: Sequence[Reading]) -> dict:
    """The window's readings in figures: medians of people on the page and offline on the same frames, how many
    readings showed fewer (by stage), as many, or more, and the sizes the server received."""
    compared = [r for r in kept if r.shown is not None and r.offline is not None]
    return {
        "readings": len(kept),
        "page_people_median": _median(r.page for r in kept),
        "offline_people_median": _median(r.offline for r in compared),
        "offline_received_people_median": _median(r.offline_received for r in compared),
        "fewer": sum(r.shown < r.offline for r in compared),
        "same": sum(r.shown == r.offline for r in compared),
        "more": sum(r.shown > r.offline for r in compared),
        "lost_at": {stage: n for stage in LOST_STAGES if (n := sum(r.lost == stage for r in compared))},
        "sizes": dict(Counter(r.size for r in kept if r.size).most_common()),
    }


def format_readings(rows: Sequence[Reading], t0: float) -> list[str]:
    """One line a reading: seconds since ``t0``, page, the frame, shown / offline / offline at the received
    size, the received size, the funnel and the stage that lost someone."""

    def f(v) -> str:
        return "-" if v is None else f"{v:g}"

    head = f"{'s':>5} {'page':>4} {'frame':>5} {'shown':>5} {'offl':>4} {'@recv':>5} {'size':>9} found/held/hidden/dup"
    return [head] + [
        f"{r.t - t0:5.1f} {f(r.page):>4} {f(r.frame):>5} {f(r.shown):>5} {f(r.offline):>4} "
        f"{f(r.offline_received):>5} {r.size or '-':>9} {f(r.found)}/{f(r.held)}/{f(r.hidden)}/{f(r.duplicates)}"
        + (f"  lost: {r.lost}" if r.lost else "")
        for r in rows
    ]


def _g(value, spec: str = "g") -> str:
    return "-" if value is None else f"{value:{spec}}"


def format_same_frames(same: dict, received: str) -> str:
    """The lines the command prints for :func:`summarise`'s figures (``received``: the size offline ran at too)."""
    lost = ", ".join(f"{n} {stage}" for stage, n in same["lost_at"].items()) or "none"
    sizes = ", ".join(f"{size} ({n})" for size, n in same["sizes"].items()) or "-"
    return (
        f"{'same frames: people, median':34s} page {_g(same['page_people_median'], 'g')}, offline "
        f"{_g(same['offline_people_median'], 'g')} (at {received}: {_g(same['offline_received_people_median'], 'g')})"
        f"\n{'readings showing fewer / same / more':34s} {same['fewer']} / {same['same']} / {same['more']} of "
        f"{same['readings']}; lost: {lost}\n{'sizes the server received':34s} {sizes}"
    )
