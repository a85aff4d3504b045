"""The host cannot be reached: the sidebar, the local audit (repos unverified, with
the reason) and the Activity page still render; host-only pages say the host is down
and offer Retry, which signs in again once the host is back."""

from __future__ import annotations

import socket

from streamlit.testing.v1 import AppTest

from tests.dashboard.conftest import PAGES, Dashboard, frame_with
from tests.support.activity import log_beside
from tests.support.person import PERSON


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket closes


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def warnings(at: AppTest) -> str:
    return " ".join(w.value for w in at.warning)


def test_local_views_render_and_host_views_offer_retry(dash: Dashboard) -> None:
    log_beside(dash.activity_log).record(
        actor="cli user",
        action="bind",
        repo=dash.path("mobile-app"),
        provider="linear",
        old_ref=None,
        new_ref="srm_A",
        result="ok",
    )
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", f"http://127.0.0.1:{closed_port()}")
    dash.monkeypatch.setenv("SK_TRACKER_TIMEOUT", "2")
    at = dash.app().run()
    assert not at.exception, [e.value for e in at.exception]

    # Sidebar: where the data would come from, who is acting, the roots.
    side = " ".join(t.value for t in at.sidebar.text)
    assert PERSON in side and str(dash.root) in side
    assert any("Host unreachable" in e.value for e in at.sidebar.error)
    # Overview needs the host: it says so and offers Retry, nothing blank.
    assert "The host is down" in warnings(at)
    assert at.button(key="retry_host_page")
    assert not at.metric

    # Repositories: every repo from its config; bound ones unverified, with the reason.
    open_page(at, "repositories")
    table = frame_with(at, "state_label", "reason").set_index("name")
    assert len(table) == len(dash.repos)
    for name in ("my-project", "billing-service", "search-indexer", "crm-sync"):
        assert "unverified" in table.loc[name, "state_label"], table.loc[name]
        assert "host unreachable" in table.loc[name, "reason"]
        assert "retry when the host is reachable" in table.loc[name, "guidance"]
    assert "unbound" in table.loc["mobile-app", "state_label"]
    assert "misconfigured" in table.loc["broken-config", "state_label"]
    assert "The host is down" in warnings(at)

    # Activity: the local log.
    open_page(at, "activity")
    assert list(frame_with(at, "actor", "new_ref")["actor"]) == ["cli user"]

    # Resources and Bind need the host.
    for page in ("resources", "bind"):
        open_page(at, page)
        assert "The host is down" in warnings(at) and at.button(key="retry_host_page")
        assert not at.dataframe

    # The host is back: Retry signs in again and the page fills.
    dash.monkeypatch.setenv("SPEC_KITTY_SAAS_URL", dash.host.url)
    at.button(key="retry_host_page").click().run()
    assert not at.exception and "The host is down" not in warnings(at)
    open_page(at, "resources")
    assert len(frame_with(at, "state", "display_label", "bound_at")) == 40
