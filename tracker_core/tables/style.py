"""How the notebook shows a frame: status colours from the shared palette, and host
text cleaned of control characters and HTML-escaped so it renders as inert text."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from pandas.io.formats.style import Styler

from tracker_core.safe_text import clean_text
from tracker_core.tables import palette


def _status_colour(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return ""
    return palette.cell_css(str(value))


def _flag_colour(good_when: bool) -> Callable[[object], str]:
    def colour(value: object) -> str:
        if not isinstance(value, bool):
            return ""
        return palette.cell_css("bound" if value == good_when else "stale")

    return colour


_STATUS_COLUMNS = ("status", "kind", "state")
_FLAG_COLUMNS = {"connected": True, "ok": True, "needs_action": False}


def _clean_cell(value: object) -> object:
    if value is None or value is pd.NA:
        return value
    if isinstance(value, str):
        return clean_text(value)
    return value


def style(frame: pd.DataFrame) -> Styler:
    """``frame`` for display in Jupyter, with status colours. Text cells, index and
    column labels are cleaned of control characters and escape sequences and
    HTML-escaped, so host text (labels, workspace names) renders as inert text."""
    shown = frame.copy()
    text_columns: list[int] = []
    for i in range(shown.shape[1]):  # by position: column labels may repeat
        column = shown.iloc[:, i]
        if isinstance(column.dtype, pd.CategoricalDtype | pd.StringDtype) or column.dtype == object:
            shown.isetitem(i, column.astype("object").map(_clean_cell).to_numpy())
            text_columns.append(i)
    styler = shown.style.format(na_rep="", escape="html")
    # Jupyter right-aligns every cell; text reads from the left (numbers stay right).
    styler = styler.set_table_styles(
        [{"selector": f".col{i}", "props": [("text-align", "left")]} for i in text_columns],
        overwrite=False,
    )
    for axis in (0, 1):
        styler = styler.format_index(_clean_label, escape="html", axis=axis)
    for name in _STATUS_COLUMNS:
        if name in shown.columns:
            styler = styler.map(_status_colour, subset=[name])
    for name, good_when in _FLAG_COLUMNS.items():
        if name in shown.columns:
            styler = styler.map(_flag_colour(good_when), subset=[name])
    return styler


def _clean_label(value: object) -> str:
    return clean_text(value, max_len=200)


__all__ = ["style"]
