"""Host text is shown as text, failures as one line (never a traceback)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tests.support.services import make_service

EVIL = "[click me](https://evil.example/x) ![img](https://evil.example/i.png) <b>bold</b> $x$"
EVIL_WORKSPACE = "Ops <img src=x> [ws](https://evil.example/w)"


def hostile_state() -> dict[str, Any]:
    return {
        "installations": [
            {
                "provider": "linear",
                "workspaces": [
                    {
                        "name": EVIL_WORKSPACE,
                        "team_name": "**Team** \x1b[31mred\x1b[0m",
                        "resources": [
                            {"key": "EVIL-1", "name": "x", "display_label": EVIL},
                            {"key": "MOB-1", "name": "Mobile App", "display_label": "Mobile App"},
                        ],
                    }
                ],
            }
        ],
        "mappings": [],
    }


def markdown_bodies(at: Any) -> list[str]:
    """The source of every element Streamlit renders as Markdown."""
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "title", "subheader")
    return [el.value for kind in kinds for el in getattr(at, kind)] + [
        el.value for kind in kinds for el in getattr(at.sidebar, kind)
    ]


def assert_inert(at: Any) -> None:
    for body in markdown_bodies(at):
        assert "](https://evil" not in body, body
        assert "<img" not in body and "<b>" not in body, body


def test_hostile_labels_stay_text_on_every_page(dash: Dashboard) -> None:
    dash.host.load(hostile_state())
    at = start(dash)
    assert_inert(at)
    goto(at, "resources")
    table = frame_with(at, "state", "display_label")
    assert EVIL in set(table["display_label"])  # shown verbatim, as text, in the table
    assert set(table["team"]) == {"**Team** red"}  # escape sequences removed
    assert_inert(at)
    for page in ("repositories", "activity"):
        goto(at, page)
        assert_inert(at)


def test_hostile_text_in_candidates_and_errors_stays_text(dash: Dashboard, tmp_path: Path) -> None:
    dash.host.load(hostile_state())
    at = start(dash, "bind")
    key = dash.key("mobile-app")
    at.multiselect(key="bind_pick").select(dash.path("mobile-app")).run()
    at.button(key=f"resolve_{key}").click().run()
    assert_clean(at)
    options = at.selectbox(key=f"cand_{key}_linear").options
    link = "[click me](https://evil.example/x)"
    assert any(link in o for o in options)  # a selectbox option is plain text
    evil = next(i for i, o in enumerate(options) if link in o)
    at.selectbox(key=f"cand_{key}_linear").select_index(evil).run()
    # Another project takes the hostile resource first: the error names it.
    other = tmp_path / "other"
    (other / ".kittify").mkdir(parents=True)
    (other / ".kittify" / "config.yaml").write_text(
        "project:\n  uuid: 5e1f0c2b-1d2e-4f3a-8b9c-0a1b2c3d4e5f\n  slug: x\n  node_id: n\n"
    )
    with make_service(dash.host) as svc:
        svc.bind(
            other, "linear", choose=lambda cands: next(c for c in cands if c.display_label == EVIL)
        )
    at.button(key=f"bind_{key}").click().run()
    assert not at.exception
    # The fresh resolve no longer offers it: nothing is written, and the error
    # names the label, escaped.
    assert any("no longer a candidate" in e.value and "click me" in e.value for e in at.error)
    assert "tracker:" not in dash.config("mobile-app")
    assert_inert(at)


def test_an_unreachable_host_is_one_clear_line(dash: Dashboard) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", f"http://127.0.0.1:{port}")
    dash.monkeypatch.setenv("SK_TRACKER_ALLOW_INSECURE_HTTP", "true")
    at = dash.app().run()
    assert not at.exception
    # One line in the sidebar; the page says the host is down and offers Retry
    # (test_host_down.py: what still works meanwhile).
    (error,) = at.error
    assert "\n" not in error.value and "Traceback" not in error.value
    assert "unavailable" in error.value or "reach" in error.value
    assert at.button(key="retry_host_page")


def test_missing_settings_name_the_variable(dash: Dashboard) -> None:
    dash.monkeypatch.delenv("SK_TRACKER_TEAM")
    at = dash.app().run()
    assert not at.exception
    (error,) = at.error
    assert "SK\\_TRACKER\\_TEAM" in error.value


def test_an_unexpected_failure_is_a_message_not_a_traceback(
    dash: Dashboard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker_core.tables import health

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "totals", broken)
    at = dash.app().run()
    assert not at.exception
    assert any("Unexpected error" in e.value and "RuntimeError" in e.value for e in at.error)
    assert at.sidebar.button(key="refresh")  # the rest of the app still works
