"""Drawing poses: the 2D overlay on the frame (OpenCV, :mod:`.overlay`) and the 3D skeletons (Plotly,
:mod:`.figures`), with the colours they share (:mod:`.style`)."""

from .figures import people_figure, skeleton_animation, skeleton_figure, skeleton_traces, to_plot_axes
from .overlay import DrawOptions, draw_message, draw_people, draw_person
from .style import DEFAULT_MIN_CONFIDENCE, TRACK_COLORS_RGB, drawn_confidence, track_color

__all__ = [
    "DEFAULT_MIN_CONFIDENCE",
    "TRACK_COLORS_RGB",
    "DrawOptions",
    "drawn_confidence",
    "draw_message",
    "draw_people",
    "draw_person",
    "people_figure",
    "skeleton_animation",
    "skeleton_figure",
    "skeleton_traces",
    "to_plot_axes",
    "track_color",
]
