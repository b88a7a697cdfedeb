"""An annotated photo's score drawn on it, and the colours' legend (pose.measure.score_drawing)."""

from __future__ import annotations

from pose.measure.score_drawing import _MARKS, legend


def test_every_colour_drawn_is_one_of_its_own_and_named_once_in_the_legend():
    """Compare's "where they differ most" photos are drawn in these colours; the caption under them names each (a
    user could not tell a part box's magenta skeleton from the annotation)."""
    colours = [colour for colour, _, _ in _MARKS.values()]
    names = [name for _, name, _ in _MARKS.values()]
    assert len(set(colours)) == len(colours) and len(set(names)) == len(names)
    words = legend()
    for name in names:
        assert words.count(f"{name}: ") == 1, name
    assert "magenta: a skeleton spanning part of a person (a part box)" in words
