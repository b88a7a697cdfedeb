"""The coach's session log: one row per frame (time, score, hold, repetitions, per-limb errors), as CSV."""

from __future__ import annotations

import csv
import io
from collections import deque

from .score import LIMB_NAMES, PoseScore

__all__ = ["SessionLog", "SESSION_COLUMNS"]


SESSION_COLUMNS: tuple[str, ...] = (
    "time_s",
    "score",
    "hold_s",
    "repetitions",
    "exercise",
    "worst_limb",
    *(f"{name}_error_deg" for name in LIMB_NAMES),
)


class SessionLog:
    """The session, one row per frame: time, score, hold, repetitions and per-limb errors; exported as CSV.

    Args:
        max_rows: the oldest rows are dropped beyond this (an hour at 30 FPS by default), so memory stays bounded.
    """

    def __init__(self, max_rows: int = 108_000) -> None:
        self._rows: deque[tuple] = deque(maxlen=max_rows)
        self._start: float | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, t_s: float, result: PoseScore | None, hold_s: float, repetitions: int, exercise: str = "") -> None:
        """Record one frame; ``t_s`` is any clock, the log keeps seconds since its first row."""
        if self._start is None:
            self._start = t_s
        errors = result.limb_errors_deg if result else {}
        self._rows.append(
            (
                round(t_s - self._start, 3),
                "" if result is None or result.score is None else round(result.score, 1),
                round(hold_s, 2),
                repetitions,
                exercise,
                (result.worst_limb or "") if result else "",
                *(round(errors[name], 1) if name in errors else "" for name in LIMB_NAMES),
            )
        )

    def to_csv(self) -> str:
        """The rows as CSV text with a header of :data:`SESSION_COLUMNS`; empty cells where nothing was measured."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(SESSION_COLUMNS)
        writer.writerows(list(self._rows))
        return out.getvalue()
