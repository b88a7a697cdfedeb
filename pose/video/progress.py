"""Command-line progress: a tqdm bar on a terminal, plain lines anywhere else (no carriage returns in logs)."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from tqdm import tqdm

__all__ = ["ProgressBar"]


class ProgressBar:
    """Progress towards ``total`` units.

    On a terminal this is a tqdm bar; when the stream is a file or a pipe it
    writes one plain line at most every ``every_s`` seconds, and one at the end.

    Args:
        total: units expected; ``exact=False`` shows it as "about N".
        desc: what is counted, e.g. the file name.
        position: the bar's line, when several bars show at once (tqdm only).
    """

    def __init__(
        self,
        total: int,
        desc: str,
        *,
        unit: str = "frames",
        exact: bool = True,
        stream: TextIO | None = None,
        every_s: float = 10.0,
        position: int | None = None,
        terminal: bool | None = None,
    ) -> None:
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.desc, self.unit, self.total, self.exact, self.every_s = desc, unit, total, exact, every_s
        self.done = 0
        self._started = self._last_line = time.monotonic()
        self._bar = (
            tqdm(
                total=total,
                desc=desc,
                unit=unit.rstrip("s") or unit,
                file=self.stream,
                position=position,
                leave=True,
                ncols=shutil.get_terminal_size().columns,  # 80 where the terminal reports no size
            )
            if self.terminal
            else None
        )

    def update_to(self, done: int, total: int | None = None) -> None:
        """Set the count (and the total, when it is better known now)."""
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None:
                self._bar.total = total
        if self._bar is not None:
            self._bar.update(done - self.done)
        self.done = done
        if self._bar is None and time.monotonic() - self._last_line >= self.every_s:
            self._line()

    def write(self, message: str) -> None:
        """A message line that does not break the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            print(message, file=self.stream, flush=True)

    def _line(self) -> None:
        elapsed = time.monotonic() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        about = "" if self.exact else "about "
        left = f", {(self.total - self.done) / rate:.0f} s left" if rate and self.done < self.total else ""
        print(
            f"{self.desc}: {self.done}/{about}{self.total} {self.unit}, {rate:.1f} {self.unit}/s{left}",
            file=self.stream,
            flush=True,
        )
        self._last_line = time.monotonic()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        else:
            self._line()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
