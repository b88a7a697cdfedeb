"""A track's lifecycle: every transition of :meth:`pose.engine.track.Track.step`."""

from __future__ import annotations

import numpy as np
import pytest

from pose.engine.track import Track, TrackState

T, C, L, R = TrackState.TENTATIVE, TrackState.CONFIRMED, TrackState.LOST, TrackState.REMOVED


@pytest.mark.parametrize(
    ("before", "seen", "found", "detected", "missed", "after"),
    [
        (T, True, True, True, 0, C),  # a newcomer held back, found again by the next detection: shown
        (T, True, False, True, 0, R),  # followed, but the next detection did not find it: a part of somebody
        (T, False, False, True, 0, R),
        (T, True, False, False, 0, T),  # no detection yet: still waiting
        (T, False, False, False, 0, T),
        (C, True, False, False, 0, C),
        (L, True, True, True, 1, C),  # found again: shown with its id
        (C, False, False, False, 0, L),  # unseen: hidden, never shown unseen
        (C, False, False, True, 0, L),  # one detection missed it: hidden, not ended
        (L, False, False, True, 1, R),  # a second detection in a row missed it (max_missed 1): ended
        (L, False, False, False, 1, L),  # no detection: misses are counted only when the detector looks
    ],
)
def test_each_transition(before, seen, found, detected, missed, after):
    track = Track(1, np.zeros(4), before, confident=True, vouched=True, missed=missed)
    assert track.step(seen=seen, found=found, detected=detected, max_missed=1, sure=seen) is after
    assert track.state is after and track.shown == (after is C)
    if not seen:
        assert not track.confident and not track.vouched  # an unseen track is neither sure nor vouched for


@pytest.mark.parametrize(
    ("found", "detected", "sure", "missed_after", "vouched_after"),
    [
        (True, True, False, 0, True),  # the detector found it: no miss, vouched for
        (False, True, False, 2, False),  # the detector looked and missed an unsure skeleton: one more miss
        (False, True, True, 0, False),  # ... a sure one is its own evidence: no miss, but not vouched
        (False, False, False, 0, True),  # no detection: nothing counted, the last vouching stands
    ],
)
def test_a_track_seen_counts_misses_and_vouching_in_its_step(found, detected, sure, missed_after, vouched_after):
    track = Track(1, np.zeros(4), C, confident=not sure, vouched=True, missed=1)
    track.step(seen=True, found=found, detected=detected, max_missed=3, sure=sure)
    assert (track.missed, track.vouched, track.confident) == (missed_after, vouched_after, sure)
