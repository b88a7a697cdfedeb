"""Tables as the pages show them."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

__all__ = ["NO_VALUE", "shown"]

NO_VALUE = "–"  # a cell with nothing to show: the paper is silent, or nothing was measured


def _cell(value) -> str:
    if pd.isna(value):
        return NO_VALUE
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return f"{value:.10g}"  # as it was rounded
    return str(value)


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with an empty cell as :data:`NO_VALUE`: the grid prints "None" for a missing value whatever a
    Styler says, so a column with one is shown as text, each number as it was rounded. Full columns stay
    numbers, and sort as numbers."""
    table = table.copy()
    for column in table.columns:
        if table[column].isna().any():
            table[column] = table[column].map(_cell).astype(object)
    return table
