"""The dashboard and the notebook sign in through one session object, asking the host
who the token belongs to once per sign-in."""

from __future__ import annotations

import logging

import pytest

from tests.dashboard.conftest import Dashboard, goto, start
from tracker_core.flows.session import Session
from tracker_core.tables.notebook import connect
from tracker_dashboard.tab_session import SESSION_KEY, DashboardSession


def me_calls(caplog: pytest.LogCaptureFixture) -> int:
    """Requests to ``/me`` the host logged (its access log runs in this process)."""
    return sum(
        "/api/v1/me/" in r.getMessage() for r in caplog.records if r.name == "uvicorn.access"
    )


def test_dashboard_asks_me_once_per_sign_in(
    dash: Dashboard, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    at = start(dash, role="viewer")
    assert me_calls(caplog) == 1
    goto(at, "repositories")
    goto(at, "overview")
    assert me_calls(caplog) == 1  # the tab keeps its session across pages
    session = at.session_state[SESSION_KEY]
    assert isinstance(session, DashboardSession) and isinstance(session, Session)
    assert session.role == "viewer" and session.user == session.actor
    assert session.repo_roots == (dash.root,)


def test_a_host_without_a_readable_me_is_asked_once(
    dash: Dashboard, caplog: pytest.LogCaptureFixture
) -> None:
    """An unreadable ``/me`` answer falls back to the role setting, without asking
    again."""
    dash.host.faults(wrong_shape_next=10, path="/api/v1/me/")
    dash.monkeypatch.setenv("SK_TRACKER_ROLE", "viewer")
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    at = start(dash, role="admin")
    session = at.session_state[SESSION_KEY]
    assert (session.identity.source, session.role) == ("settings", "viewer")
    assert me_calls(caplog) == 1


def test_notebook_connect_asks_me_once(dash: Dashboard, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="uvicorn.access")
    dash.app("admin")  # sets the admin token in the environment
    with connect() as ws:
        assert isinstance(ws, Session)
        assert (ws.role, ws.identity.source, ws.can_mutate) == ("admin", "host", True)
        assert ws.repo_roots == (dash.root,)
        assert "sk-test" not in repr(ws)
    assert me_calls(caplog) == 1
