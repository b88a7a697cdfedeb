"""The app's pages render without exceptions (Streamlit AppTest)."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_home_page_renders(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path))
    (tmp_path / "ConvNeXtPose_S.tar").write_bytes(b"placeholder")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "ConvNeXtPose Live"
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["XS", "S", "M", "L"]
    assert list(table["trained weights"]) == ["missing", "found", "missing", "missing"]
