"""The app's shared Streamlit pieces: cached resources, sidebar controls, readouts.

Pages import from here; the model library (``pose``) never imports Streamlit.
"""

from __future__ import annotations

import streamlit as st

_APP_RAN = "_convnextpose_app_ran"
RETURN_TO = "page"


def mark_app_entry() -> None:
    """Called by app.py on every run, before it runs the page."""
    st.session_state[_APP_RAN] = True


def require_app_entry(url_path: str) -> None:
    """Go through app.py when Streamlit ran a file of ``pages/`` on its own.

    On a fresh server, until app.py has called ``st.navigation`` once, a
    request for a page URL (say ``/live``) is served the legacy Multipage-v1
    way, straight from ``pages/``: without app.py's page config and
    navigation. This hands over to app.py, which returns to ``url_path``.
    """
    if not st.session_state.get(_APP_RAN):
        st.switch_page("app.py", query_params={RETURN_TO: url_path})
