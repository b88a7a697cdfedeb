"""Tables as the pages show them: an empty cell is a dash, not the grid's "None"."""

from __future__ import annotations

import pandas as pd

from ui.resources import estimator_table
from ui.tables import NO_VALUE, shown


def test_an_empty_cell_is_a_dash_and_full_columns_stay_numbers():
    table = pd.DataFrame({"name": ["a", "b"], "fps": [21.2, 9.5], "mpjpe": [56.61, None], "ok": [True, False]})
    out = shown(table)
    assert out["mpjpe"].tolist() == ["56.61", NO_VALUE]  # as it was rounded
    assert out["fps"].tolist() == [21.2, 9.5] and pd.api.types.is_numeric_dtype(out["fps"])  # sorts as numbers
    assert out["ok"].tolist() == [True, False]
    assert table["mpjpe"].isna().any()  # the table given is left as it was


def test_the_estimator_table_shows_no_none(monkeypatch, tmp_path):
    monkeypatch.setenv("CONVNEXTPOSE_WEIGHTS", str(tmp_path))
    out = shown(estimator_table())
    cells = out.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells
    assert NO_VALUE in out[out["estimator"] == "BlazePose (bundled)"].iloc[0].tolist()
