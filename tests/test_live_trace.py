"""Where a live frame's people went (pose.live.trace), as a measurement reads it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from pose.engine.track import Track, TrackState
from pose.live.trace import funnel


def test_the_funnel_tells_held_newcomers_from_tracks_out_of_sight():
    box = np.array([10.0, 10.0, 50.0, 100.0])
    tracks = [
        Track(1, box, TrackState.CONFIRMED),
        Track(-1, box, TrackState.TENTATIVE),  # a newcomer within another, waiting for a second detection
        Track(2, box, TrackState.LOST),
        Track(3, box, TrackState.LOST),
    ]
    estimator = SimpleNamespace(
        tracker=SimpleNamespace(tracks=tracks, duplicates_dropped=1), detection=SimpleNamespace(last_found=4)
    )
    assert funnel(estimator) == {"found": 4, "held": 1, "hidden": 2, "duplicates": 1}
