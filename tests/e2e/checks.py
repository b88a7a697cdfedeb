"""What a user sees, read from the page: a skeleton in a 3D chart, images that loaded, a video that plays,
numbers in the readouts. Each check waits generously (the CI machine is slow), never sleeps a fixed time."""

from __future__ import annotations

import re
import time

from tools.live_page import evaluate_in_frames

# Every 3D chart in a document: per scene (a chart may hold several), the finite (x, y, z) points of its
# scatter3d traces (the skeleton's joints and bones; the floor is a mesh3d and is not counted). Read from
# the traces plotly.js drew (``_fullData``): in ``data`` a numpy array stays encoded ({dtype, bdata}), so
# the joints (numpy) would count as none and only the bones (lists) would be seen.
SCENE_POINTS_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
  const scenes = {};
  for (const trace of (el._fullData || el.data || [])) {
    if (trace.type !== 'scatter3d' || !trace.x || !trace.y || !trace.z) continue;
    const points = (scenes[trace.scene || 'scene'] ||= []);
    const xs = Array.from(trace.x), ys = Array.from(trace.y), zs = Array.from(trace.z);
    for (let i = 0; i < xs.length; i++) {
      const p = [xs[i], ys[i], zs[i]];
      if (p.every(v => typeof v === 'number' && Number.isFinite(v))) points.push(p);
    }
  }
  return scenes;
})
"""

# Every chart's people: per chart, each "#<id> joints" trace (one per person drawn, see
# pose.draw.people_figure) with its count of finite (x, y, z) joints (drawn traces, as above).
CHART_PEOPLE_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => {
  const people = {};
  for (const trace of (el._fullData || el.data || [])) {
    if (trace.type !== 'scatter3d' || !/^#\\d+ joints$/.test(trace.name || '')) continue;
    const xs = Array.from(trace.x || []), ys = Array.from(trace.y || []), zs = Array.from(trace.z || []);
    const finite = v => typeof v === 'number' && Number.isFinite(v);
    people[trace.name] = xs.filter((x, i) => finite(x) && finite(ys[i]) && finite(zs[i])).length;
  }
  return people;
})
"""

# Every plotly chart's title in a document.
CHART_TITLES_JS = "() => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle')).map(t => t.textContent)"
# The iframe of a chart updated in place (ui/plotly_in_place.py: Streamlit titles a component's iframe by its name).
IN_PLACE_IFRAME = 'iframe[title="ui.plotly_in_place.plotly_in_place"]'
# Mark the in-place chart's WebGL canvas, and whether it is still the marked one: an update in place
# (Plotly.react) keeps the canvas, a chart built anew (Plotly.newPlot) replaces it.
MARK_CANVAS_JS = "el => { el.querySelector('canvas').dataset.marked = '1'; }"
CANVAS_MARKED_JS = "el => Array.from(el.querySelectorAll('canvas')).some(c => c.dataset.marked === '1')"

# Whether the app's script is not running (no run, no rerun on its way); true where there is no app.
SCRIPT_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !app || !['running', 'rerunRequested'].includes(app.dataset.testScriptState);
}
"""

# the fewest joints a drawn skeleton has (a skeleton trace draws the 17 joints other than the thorax)
MIN_JOINTS = 12
# the smallest spread (mm) of a person's skeleton: a collapsed one has every joint in one place
MIN_SPREAD_MM = 100.0


def wait_for(predicate, timeout_s: float, interval_s: float = 0.5):
    """Poll ``predicate`` until it returns something truthy; its last value otherwise."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    return predicate()


def metric(page, label: str) -> float | None:
    """The number a st.metric with ``label`` shows, or None."""
    return metrics(page, label)[label]


def metrics(page, *labels: str) -> dict[str, float | None]:
    """The numbers the st.metric readouts with ``labels`` show (None for one not shown), read at one moment."""
    text = page.inner_text("body")
    found = {label: re.search(rf"{re.escape(label)}\s*\n\s*([0-9]+(?:\.[0-9]+)?)", text) for label in labels}
    return {label: float(match.group(1)) if match else None for label, match in found.items()}


def in_every_frame(page, script: str) -> list:
    """What ``script`` (returning a list) gives in the page and in each of its frames, as one list: a chart the
    page updates in place lives in a component's iframe (ui/plotly_in_place.py)."""
    return [item for found in evaluate_in_frames(page, script) for item in found]


def scene_skeletons(page) -> list[dict[str, list[list[float]]]]:
    """Per 3D chart on the page (its iframes included), per scene, the finite points of its skeleton traces."""
    return in_every_frame(page, SCENE_POINTS_JS)


def skeletons(page) -> list[list[list[float]]]:
    """Per 3D chart on the page, the finite points of its skeleton traces (all its scenes together)."""
    return [[p for points in chart.values() for p in points] for chart in scene_skeletons(page)]


def chart_people(page) -> list[dict[str, int]]:
    """Per 3D chart on the page (its iframes included), each person it draws ("#<track id> joints") with their
    finite joints."""
    return in_every_frame(page, CHART_PEOPLE_JS)


def wait_for_chart_title(page, text: str, timeout_s: float = 60.0) -> str:
    """Wait until a plotly chart on the page (its iframes included) has a title containing ``text``; returns it."""
    found = wait_for(lambda: next((t for t in in_every_frame(page, CHART_TITLES_JS) if text in t), None), timeout_s)
    assert found, f"no chart titled {text!r}; the charts' titles: {in_every_frame(page, CHART_TITLES_JS)}"
    return found


def mark_in_place_chart(page) -> None:
    """Mark the WebGL canvas of the 3D chart the page updates in place (see :func:`in_place_chart_kept`)."""
    page.frame_locator(IN_PLACE_IFRAME).locator(".js-plotly-plot").evaluate(MARK_CANVAS_JS)


def in_place_chart_kept(page) -> bool:
    """Whether the chart marked by :func:`mark_in_place_chart` still draws on the canvas it was marked on."""
    return page.frame_locator(IN_PLACE_IFRAME).locator(".js-plotly-plot").evaluate(CANVAS_MARKED_JS)


def people_drawn(page, min_joints: int = 1) -> list[int]:
    """Per 3D chart on the page, how many people it draws with at least ``min_joints`` finite joints."""
    return [sum(joints >= min_joints for joints in chart.values()) for chart in chart_people(page)]


def _is_skeleton(points) -> bool:
    if len(points) < MIN_JOINTS:
        return False
    spread = max(max(p[i] for p in points) - min(p[i] for p in points) for i in range(3))
    return spread >= MIN_SPREAD_MM


def wait_for_skeleton_chart(page, timeout_s: float = 60.0, charts: int = 1) -> list[list[list[float]]]:
    """Wait until at least ``charts`` 3D charts hold a skeleton; returns each chart's points.

    An empty stage (the floor alone), a chart of NaNs or a skeleton collapsed to a point fails.
    """
    found = wait_for(lambda: [s for s in skeletons(page) if _is_skeleton(s)], timeout_s)
    assert len(found) >= charts, (
        f"expected {charts} 3D chart(s) with a skeleton (>= {MIN_JOINTS} finite joints spread over "
        f">= {MIN_SPREAD_MM} mm); the charts hold {[len(s) for s in skeletons(page)]} finite points"
    )
    return found


def wait_for_skeleton_scenes(page, scenes: int, drawn: int | None = None, timeout_s: float = 60.0) -> dict:
    """Wait for a 3D chart of ``scenes`` scenes side by side, ``drawn`` of them (default: all) with a
    skeleton; returns its scenes' points by scene name ("scene", "scene2", ...)."""
    drawn = scenes if drawn is None else drawn

    def full_chart():
        for chart in scene_skeletons(page):
            if len(chart) == scenes and sum(_is_skeleton(points) for points in chart.values()) >= drawn:
                return chart
        return None

    found = wait_for(full_chart, timeout_s)
    shown = [{name: len(points) for name, points in chart.items()} for chart in scene_skeletons(page)]
    assert found, f"no 3D chart of {scenes} scenes, {drawn} with a skeleton; finite points per scene: {shown}"
    return found


def images_loaded(page, selector: str = "[data-testid='stImage'] img") -> list[int]:
    """The natural widths of the images under ``selector`` (0 for one that failed to load)."""
    return page.locator(selector).evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")


def wait_for_images(page, count: int, selector: str = "[data-testid='stImage'] img", timeout_s: float = 60.0):
    """Wait until ``count`` images under ``selector`` have loaded with real pixels (a 500 gives naturalWidth 0)."""
    widths = wait_for(lambda: (w := images_loaded(page, selector)) and len(w) >= count and all(w) and w, timeout_s)
    shown = images_loaded(page, selector)
    assert widths, f"expected {count} loaded image(s); natural widths (0: failed to load): {shown}"
    return widths


def assert_video_plays(video, timeout_s: float = 30.0, advance_s: float = 0.3) -> None:
    """Start ``video`` (a locator) muted and check that its currentTime advances by ``advance_s``."""
    video.wait_for(state="attached")
    start = video.evaluate("v => { v.muted = true; v.play().catch(() => {}); return v.currentTime; }")
    moved = wait_for(
        lambda: (
            video.evaluate(
                "(v, t) => { if (v.paused && !v.ended) v.play().catch(() => {}); return v.currentTime - t; }", start
            )
            >= advance_s
        ),
        timeout_s,
        interval_s=0.25,
    )
    state = video.evaluate(
        "v => ({t: v.currentTime, ready: v.readyState, net: v.networkState, err: v.error && v.error.message})"
    )
    assert moved, f"the video did not play: currentTime stayed at {start} -> {state}"


def watch_metric(page, label: str, until, timeout_s: float, interval_s: float = 0.5) -> list[float]:
    """Read the metric ``label`` until ``until(reading)`` holds or ``timeout_s`` passes; returns every reading
    (a missing readout left out), so a test can check the last one and all those before it."""
    readings: list[float] = []

    def done():
        value = metric(page, label)
        if value is not None:
            readings.append(value)
        return value is not None and until(value)

    wait_for(done, timeout_s, interval_s)
    return readings


def assert_people_read(readings: list[float], people: int) -> None:
    """People-in-view ``readings`` (:func:`watch_metric`'s, up to the one that showed ``people``) end at
    ``people``, and at most two of them (about a second), at most one person over, came before it.

    BlazePose's detector now and then takes a part of a body for one more person (the generated person's
    torso and legs on 4 of its 90 frames, a box starting 0.15 of the height down: not a lower body by
    pose.identity.lower_body_of); when the first detection is one of those frames, the part is followed
    until the landmark model loses it (2 readings in one full run of the suite).
    """
    assert readings and readings[-1] == people, f"people in view read {readings}; {people} in view"
    over = [r for r in readings if r > people]
    assert len(over) <= 2 and max(readings) <= people + 1, f"people in view read {readings}; {people} in view"


def rising_counts(page, label: str, samples: int = 3, timeout_s: float = 60.0) -> list[float]:
    """Read the metric ``label`` until it has grown ``samples - 1`` times in a row; returns the readings."""
    readings = [metric(page, label) or 0.0]
    deadline = time.time() + timeout_s
    while len(readings) < samples and time.time() < deadline:
        value = wait_for(lambda: (v := metric(page, label)) is not None and v > readings[-1] and v, 20.0)
        if value:
            readings.append(value)
    assert len(readings) == samples and all(b > a for a, b in zip(readings, readings[1:])), (
        f"{label} did not keep growing: {readings}"
    )
    return readings


def open_live_source(page, app_server: str, target, *, loop: bool = True) -> None:
    """On the Live page, play ``target`` (a video path or a stream URL) as the local source and press Start."""
    page.goto(f"{app_server}/live")
    page.get_by_text("Stream or video file").click()
    page.get_by_label("Stream URL or video path").fill(str(target))
    if not loop:
        page.get_by_text("Loop a video file").click()
    page.get_by_role("button", name="Start").click()
