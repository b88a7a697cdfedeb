"""The Video page's charts (ui.video_charts)."""

import numpy as np

from pose.angles import FLEXION
from ui.video_charts import flexion_chart, frame_times_chart


def test_the_flexion_chart_names_every_joint_in_a_legend_below_its_lines():
    keypoints = np.random.default_rng(0).normal(0.0, 300.0, (6, 18, 3))
    figure = flexion_chart(np.arange(6), keypoints)
    assert [trace.name for trace in figure.data] == list(FLEXION)
    assert all(len(trace.y) == 6 for trace in figure.data)
    assert figure.layout.legend.orientation == "h" and figure.layout.legend.y < 0


def test_the_frame_times_chart_has_one_point_per_frame():
    figure = frame_times_chart(np.arange(4), np.array([10.0, 11.0, 9.0, 12.0]))
    assert list(figure.data[0].y) == [10.0, 11.0, 9.0, 12.0]
