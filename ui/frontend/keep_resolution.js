// Injected into the Streamlit page by ui/keep_resolution.py. The browser camera's WebRTC sender is asked to keep
// the camera's resolution when it runs short of CPU or bandwidth, and to send fewer frames instead: the video
// track's contentHint "detail" (Chrome and Safari map it to the "maintain-resolution" degradation preference)
// and, once the connection is negotiated, the sender's degradationPreference where the browser takes it; a
// camera of more than MAX_PIXELS is sent scaled down to about that many first.
// streamlit-webrtc builds its RTCPeerConnection inside its component's iframe (same origin as this page), so
// the patch goes on that iframe's window, on every such iframe, as soon as it exists.
(() => {
  const TITLE = "streamlit_webrtc.component.webrtc_streamer";
  const PREFERENCE = "maintain-resolution";
  const MAX_PIXELS = __MAX_PIXELS__;  // ui/keep_resolution.py's MAX_PIXELS

  function setParameters(sender, change) {
    const params = sender.getParameters();
    if (!params.encodings || !params.encodings.length) return Promise.resolve();
    change(params);
    return sender.setParameters(params);
  }

  // A camera larger than MAX_PIXELS is sent scaled down to about that many pixels, once, so that the frames it
  // keeps are frames the page can follow; then the browser is asked to keep that size.
  function keepResolution(sender, win) {
    const settings = sender.track.getSettings ? sender.track.getSettings() : {};
    const pixels = (settings.width || 0) * (settings.height || 0);
    const scale = pixels > MAX_PIXELS ? Math.sqrt(pixels / MAX_PIXELS) : 1;
    win.__poseSentScale = scale;  // for the browser tests
    return setParameters(sender, (params) => {
      for (const encoding of params.encodings) encoding.scaleResolutionDownBy = scale;
    })
      .catch(() => {})
      .then(() => setParameters(sender, (params) => { params.degradationPreference = PREFERENCE; }))
      .catch(() => {});  // a browser that does not take it keeps the content hint
  }

  function patch(win) {
    if (!win || !win.RTCPeerConnection || win.__poseKeepsResolution) return;
    win.__poseKeepsResolution = true;
    const proto = win.RTCPeerConnection.prototype;
    const addTrack = proto.addTrack;
    proto.addTrack = function (track, ...streams) {
      if (track && track.kind === "video" && "contentHint" in track && !track.contentHint) {
        track.contentHint = "detail";
        win.__poseHintedTracks = (win.__poseHintedTracks || 0) + 1;  // for the browser tests
      }
      return addTrack.call(this, track, ...streams);
    };
    const setRemoteDescription = proto.setRemoteDescription;
    proto.setRemoteDescription = function (...args) {
      return setRemoteDescription.apply(this, args).then((result) => {
        for (const sender of this.getSenders()) {
          if (sender.track && sender.track.kind === "video") keepResolution(sender, win);
        }
        return result;
      });
    };
  }

  function patchAll() {
    for (const frame of document.querySelectorAll(`iframe[title="${TITLE}"]`)) {
      try {
        patch(frame.contentWindow);
      } catch (error) {}  // another origin: not streamlit-webrtc's
    }
  }

  if (window.__poseKeepResolutionWatch) return;
  window.__poseKeepResolutionWatch = true;
  patchAll();
  // The component's iframe comes and goes with the page's reruns and loads after this script: look again when
  // the document changes and each time a frame loads.
  new MutationObserver(patchAll).observe(document.body, {childList: true, subtree: true});
  document.addEventListener("load", patchAll, true);
})();
