"""ICE servers for remote hosting (ui.resources.ice_servers): $CONVNEXTPOSE_ICE_SERVERS, st.secrets, bad JSON.

Run inside a real Streamlit script (AppTest), where st.secrets and st.warning behave as in the app.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

TURN = {"urls": ["turn:turn.example.org:3478"], "username": "pose", "credential": "s3cret"}
STUN = {"urls": "stun:stun.example.org:19302"}


def _script():
    import json

    import streamlit as st

    from ui.resources import ice_servers

    servers = ice_servers()
    st.code(json.dumps(servers), language="json")  # what streamlit-webrtc is given must be plain JSON


def _run(monkeypatch, env: str | None = None, secrets: dict | None = None) -> tuple[AppTest, list]:
    if env is None:
        monkeypatch.delenv("CONVNEXTPOSE_ICE_SERVERS", raising=False)
    else:
        monkeypatch.setenv("CONVNEXTPOSE_ICE_SERVERS", env)
    app = AppTest.from_function(_script)
    for key, value in (secrets or {}).items():
        app.secrets[key] = value
    app.run()
    assert not app.exception
    return app, json.loads(app.code[0].value)


def test_none_by_default(monkeypatch):
    app, servers = _run(monkeypatch)
    assert servers == [] and not app.warning  # nothing reaches out to a public STUN server


def test_a_json_list_from_the_environment(monkeypatch):
    _, servers = _run(monkeypatch, env=json.dumps([STUN, TURN]))
    assert servers == [STUN, TURN]


def test_a_single_server_object_from_the_environment(monkeypatch):
    _, servers = _run(monkeypatch, env=json.dumps(TURN))
    assert servers == [TURN]


@pytest.mark.parametrize("bad", ["[{'urls': 'stun:x'}]", "turn:turn.example.org", "[{"])
def test_bad_json_in_the_environment_is_a_warning_not_a_crash(monkeypatch, bad):
    app, servers = _run(monkeypatch, env=bad)
    assert servers == []
    assert len(app.warning) == 1 and "CONVNEXTPOSE_ICE_SERVERS is not valid JSON" in app.warning[0].value


def test_servers_from_the_secrets(monkeypatch):
    _, servers = _run(monkeypatch, secrets={"ice_servers": [STUN, TURN]})
    assert servers == [STUN, TURN]


def test_the_environment_wins_over_the_secrets(monkeypatch):
    _, servers = _run(monkeypatch, env=json.dumps([TURN]), secrets={"ice_servers": [STUN]})
    assert servers == [TURN]


def test_secrets_without_ice_servers(monkeypatch):
    _, servers = _run(monkeypatch, secrets={"other": "value"})
    assert servers == []
