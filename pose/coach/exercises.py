"""The exercises the coach counts, as data: one row per exercise.

Each is driven by one joint angle (a name in :data:`pose.angles.ANGLES`, the
two sides combined) that swings between a rest position and a turning point.
A repetition is counted when the angle goes from beyond ``rest_deg`` to beyond
``turn_deg`` and back beyond ``rest_deg``; the gap between the two thresholds
is the hysteresis that keeps jitter from counting. Whether the rest is the
larger or the smaller angle follows from the two numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..angles import ANGLES

__all__ = ["Exercise", "EXERCISES", "get_exercise"]

COMBINE = ("mean", "min", "max")


@dataclass(frozen=True)
class Exercise:
    """One countable exercise.

    Attributes:
        name: what the user picks.
        angles: the joint angles that drive it (names in :data:`pose.angles.ANGLES`).
        combine: how the sides are combined: "mean" (both move together), "min" or "max" (either one).
        rest_deg: the angle is beyond this at rest (start and end of a repetition).
        turn_deg: and beyond this at the turning point.
        min_rep_s: a repetition faster than this is noise (a misdetection), not counted.
        hint: what the user does, in a few words.
    """

    name: str
    angles: tuple[str, ...]
    combine: str
    rest_deg: float
    turn_deg: float
    min_rep_s: float
    hint: str = ""

    def __post_init__(self) -> None:
        unknown = [a for a in self.angles if a not in ANGLES]
        if not self.angles or unknown:
            raise ValueError(f"{self.name}: unknown angles {unknown or '(none)'}; known: {', '.join(ANGLES)}")
        if self.combine not in COMBINE:
            raise ValueError(f"{self.name}: combine must be one of {COMBINE}, got {self.combine!r}")
        if self.rest_deg == self.turn_deg:
            raise ValueError(f"{self.name}: rest_deg and turn_deg must differ (the hysteresis)")
        if self.min_rep_s < 0:
            raise ValueError(f"{self.name}: min_rep_s must not be negative")

    @property
    def rest_is_high(self) -> bool:
        """Whether the angle is larger at rest than at the turning point (a squat: yes; a jumping jack: no)."""
        return self.rest_deg > self.turn_deg


# fmt: off
EXERCISES: dict[str, Exercise] = {e.name: e for e in (
    #        name            driving angles                       combine rest  turn  min_rep_s  hint
    Exercise("squat",        ("left knee", "right knee"),         "mean", 160., 100., 0.8, "knees below 100°"),
    Exercise("push-up",      ("left elbow", "right elbow"),       "mean", 150., 100., 0.6, "elbows below 100°"),
    Exercise("jumping jack", ("left shoulder", "right shoulder"), "mean", 60.,  120., 0.4, "arms sides to overhead"),
    Exercise("biceps curl",  ("left elbow", "right elbow"),       "min",  150., 70.,  0.6, "either elbow below 70°"),
)}
# fmt: on


def get_exercise(name: str | Exercise) -> Exercise:
    """The exercise called ``name`` (or ``name`` itself when it is one).

    Raises:
        ValueError: for an unknown name.
    """
    if isinstance(name, Exercise):
        return name
    try:
        return EXERCISES[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r}; known: {', '.join(EXERCISES)}") from None
