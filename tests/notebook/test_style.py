"""``style()``: status colours, and host text rendered inert (escaped HTML, no
control characters or escape sequences) in the Styler's HTML."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from tests.support.host import HostHandle
from tracker_core.tables.notebook import Workspace, connect, style

HOSTILE_LABEL = "<img src=x onerror=alert(1)> **bold** \x1b[31mred\x1b[0m bell\x07end"
HOSTILE_WORKSPACE = "<script>alert(2)</script>\x1b]0;title\x07 Ops\x00"
# Any C0/C1 control except the newlines the HTML layout itself uses.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def hostile_state() -> dict[str, Any]:
    return {
        "installations": [
            {
                "provider": "linear",
                "workspaces": [
                    {
                        "name": HOSTILE_WORKSPACE,
                        "team_name": "<b>team</b>",
                        "resources": [
                            {"key": "EVIL-1", "name": "evil", "display_label": HOSTILE_LABEL}
                        ],
                    }
                ],
            }
        ],
        "mappings": [],
    }


def assert_inert(html: str) -> None:
    assert "<img" not in html and "<script" not in html and "<b>" not in html
    assert "onerror=alert(1)" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert not CONTROL.search(html), repr(CONTROL.search(html))
    assert "[31m" not in html and "]0;title" not in html


def test_hostile_host_text_renders_inert(host: HostHandle, nb_env: dict[str, str]) -> None:
    host.load(hostile_state())
    with connect() as ws:
        resources = ws.resources()
    # The frame keeps the host's text as sent; only the display cleans it.
    assert resources["display_label"].iloc[0] == HOSTILE_LABEL
    html = style(resources).to_html()
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(1)&gt; **bold** red bellend" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt; Ops" in html

    # Host text as index and column labels (a pivot by workspace) is cleaned too.
    pivot = resources.pivot_table(
        index="workspace", columns="display_label", values="provider", aggfunc="count"
    )
    pivot_html = style(pivot).to_html()
    assert_inert(pivot_html)
    assert "&lt;script&gt;alert(2)&lt;/script&gt; Ops" in pivot_html


def test_status_columns_are_coloured(workspace: Workspace) -> None:
    audit = workspace.audit()
    html = style(audit).to_html()
    kind_col = list(audit.columns).index("kind")
    backgrounds: dict[str, str] = {}  # cell id -> background colour, from the CSS rules
    for selectors, body in re.findall(r"([^{}<>]+)\{([^}]*)\}", html):
        found = re.search(r"background-color: (#\w+)", body)
        for selector in selectors.split(","):
            if found:
                backgrounds[selector.strip().split("_", 2)[-1]] = found.group(1)

    def colour(name: str) -> str | None:
        row = int(audit.index[audit["name"] == name][0])
        return backgrounds.get(f"row{row}_col{kind_col}")

    assert colour("my-project") == "#dcfce7"  # bound: green
    assert colour("search-indexer") == colour("crm-sync") == "#fee2e2"  # stale: red
    assert colour("billing-service") == "#fef9c3"  # legacy: amber


def test_style_keeps_data_and_accepts_any_frame() -> None:
    frame = pd.DataFrame(
        {"status": pd.Series(["bound", None], dtype="category"), "n": [1, 2], "ok": [True, False]}
    )
    html = style(frame).to_html()
    assert "bound" in html and ">1<" in html.replace(" ", "")
    # the caller's frame is untouched
    assert str(frame["status"].dtype) == "category"
    assert style(pd.DataFrame()).to_html()


def test_text_columns_read_from_the_left_and_numbers_from_the_right() -> None:
    frame = pd.DataFrame(
        {"name": ["billing-service"], "resources": [3], "reason": ["a long reason"]}
    )
    html = style(frame).to_html()
    left = set(re.findall(r"#T_\w+ \.col(\d+) \{\s*text-align: left;", html))
    assert left == {"0", "2"}  # name and reason; the count keeps Jupyter's right
