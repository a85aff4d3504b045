"""Every binding state has its own colour, the same in charts and notebook tables."""

from __future__ import annotations

import pandas as pd

from tracker_core.tables import palette
from tracker_core.tables.notebook import style


def test_no_two_states_share_a_colour_or_a_tint() -> None:
    strong = [c[0] for c in palette.STATES.values()]
    tints = [c[1] for c in palette.STATES.values()]
    assert len(set(strong)) == len(strong) and len(set(tints)) == len(tints)
    assert palette.colour("unbound") != palette.colour("unverified")


def test_notebook_cells_use_the_shared_tints() -> None:
    frame = pd.DataFrame({"state": ["unbound", "unverified", "stale:mapping_deleted"]})
    html = style(frame).to_html()
    for state in ("unbound", "unverified", "stale"):
        assert palette.STATES[state][1] in html
    assert palette.cell_css("active") == palette.cell_css("bound")  # host status alias
    assert palette.cell_css("something else") == ""


def test_every_state_has_its_label_colour_and_terminal_style() -> None:
    assert set(palette.REPO_STATE_STYLES) == set(palette.REPO_STATES)
    assert set(palette.RESOURCE_STATE_STYLES) == set(palette.RESOURCE_STATES)
    # The resource filter offers each state by its own label, and a pill per label.
    assert palette.RESOURCE_FILTER_LABELS == {
        "all": "All",
        "bound": "● Bound",
        "disabled": "⊘ Disabled",
        "available": "○ Available",
    }
    assert set(palette.RESOURCE_STATE_COLOURS) == set(palette.RESOURCE_STATE_LABELS.values())
    assert palette.RESOURCE_STATE_COLOURS["⊘ disabled"] == palette.tint("stale")
