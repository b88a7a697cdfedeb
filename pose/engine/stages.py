"""The names of a frame's timed stages: one vocabulary for the estimator's timings, the live readouts, the
benchmark and Compare's charts.

A pose model times its own steps (:data:`MODEL_STAGES`); the estimator adds the detection and their total
(:data:`STAGES`, the keys of :attr:`~.people.PoseResult.timings_ms`). The live view shows the network and the
decoding as one "pose" stage, and adds the overlay's drawing (:data:`LIVE_STAGES`, from :func:`live_stage_ms`).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MODEL_STAGES", "STAGES", "STAGE_PARTS", "LIVE_STAGES", "live_stage_ms"]

MODEL_STAGES = ("crop", "infer", "decode")  # a pose model's steps, in order (``PoseModel.estimate`` times them)
STAGES = ("detect", *MODEL_STAGES, "total")  # the estimator's: a frame's detection, its pose model, the total
STAGE_PARTS = STAGES[:-1]  # those that add up to "total" (Compare stacks them)
LIVE_STAGES = ("detect", "crop", "pose", "draw", "total")  # the live readouts': "pose" is infer + decode


def live_stage_ms(timings_ms: Mapping[str, float], draw_ms: float) -> dict[str, float]:
    """A frame's :data:`LIVE_STAGES` in milliseconds, from the estimator's :data:`STAGES` and the drawing's."""
    return {
        "detect": timings_ms["detect"],
        "crop": timings_ms["crop"],
        "pose": timings_ms["infer"] + timings_ms["decode"],
        "draw": draw_ms,
        "total": timings_ms["total"] + draw_ms,
    }
