"""The dashboard with the network cut off: every page loads and draws with no request
leaving 127.0.0.1 (no web font, icon or script from an outside host)."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import StartDashboard
from tests.e2e.test_dashboard_browser import open_page, shot
from tests.support.offline import Offline

PAGES = [
    ("", "Binding health by provider × workspace"),
    ("resources", "resources"),
    ("repositories", "Host mappings not found locally"),
    ("bind", "Bind"),
    ("activity", "Who bound, re-bound or upgraded"),
]


def test_no_page_requests_anything_outside_loopback(
    browser: Any, start_dashboard: StartDashboard
) -> None:
    dash = start_dashboard("admin")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    offline = Offline(context)
    page = context.new_page()
    local: list[str] = []
    page.on("request", lambda request: local.append(request.url))
    try:
        for path, ready in PAGES:
            open_page(page, dash, path, ready)
            page.wait_for_timeout(500)  # charts, icons and fonts load after the run
            offline.assert_none_attempted(page)
        shot(page, "offline-activity")
        assert any(u.startswith(dash.url) for u in local)  # the watch does see requests
    finally:
        context.close()


def test_the_offline_watch_sees_an_outside_request(browser: Any) -> None:
    context = browser.new_context()
    offline = Offline(context)
    page = context.new_page()
    try:
        page.set_content('<img src="http://203.0.113.9/x.png">')
        page.wait_for_timeout(300)
        assert offline.attempted == ["http://203.0.113.9/x.png"]
    finally:
        context.close()
