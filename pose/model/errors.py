"""The model room's errors, light to import (no torch): the app, the video and fetch code catch them without
loading the network."""

from __future__ import annotations

__all__ = ["CheckpointError", "OtherSizeError"]


class CheckpointError(ValueError):
    """A file is not a usable ConvNeXtPose checkpoint; the message says why.

    Attributes:
        reason: why, without the file name.
        file: the file's name, when one is known.
    """

    def __init__(self, reason: str, file: str | None = None) -> None:
        super().__init__(f"{file}: {reason}" if file else reason)
        self.reason, self.file = reason, file


class OtherSizeError(CheckpointError):
    """A usable checkpoint of another size than the one asked for (a file named for one size, holding another).

    Attributes:
        held: the size its tensors hold ("S").
        wanted: the size asked for ("M").
    """

    def __init__(self, reason: str, file: str | None, held: str, wanted: str) -> None:
        super().__init__(reason, file)
        self.held, self.wanted = held, wanted
