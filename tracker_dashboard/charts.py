"""The charts of binding health over time (Altair; every label is
drawn by Vega as SVG text, never as HTML)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from tracker_core.tables import palette


def stacked_over_time(series: pd.DataFrame, categories: list[str], title: str) -> alt.Chart:
    """``history_frames.trend_series`` as areas stacked by category over time."""
    chart: alt.Chart = (
        alt.Chart(series)
        .mark_area(interpolate="step-after")
        .encode(
            x=alt.X("taken_at:T", title=None),
            y=alt.Y("count:Q", title=title, stack="zero", axis=alt.Axis(format="d")),
            color=alt.Color(
                "category:N",
                title="State",
                scale=alt.Scale(domain=categories, range=[palette.colour(c) for c in categories]),
                sort=categories,
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("taken_at:T", title="Audit", format="%Y-%m-%d %H:%M"),
                "category",
                "count",
            ],
        )
        .transform_calculate(order=f"indexof({categories!r}, datum.category)")
        .properties(height=280)
    )
    return chart
