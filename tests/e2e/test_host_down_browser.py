"""The dashboard in a real browser while its host cannot be reached: the sidebar, the
repositories (unverified, with the reason) and the activity log render; host-only
pages say the host is down and offer Retry. Screenshots in test-artifacts/e2e/."""

from __future__ import annotations

import socket
from typing import Any

import httpx

from tests.e2e.conftest import StartDashboard
from tests.e2e.test_dashboard_browser import _expect, grid_texts, shot, wait_for_run
from tests.support.host import HostHandle
from tests.support.person import PERSON


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_with_the_host_down_local_pages_still_help(
    browser: Any, start_dashboard: StartDashboard, host: HostHandle
) -> None:
    expect = _expect()
    down = HostHandle(
        httpx.Client(),
        url=f"http://127.0.0.1:{_closed_port()}",
        team=host.team,
        admin_token=host.admin_token,
        viewer_token=host.viewer_token,
        validate=False,
    )
    dash = start_dashboard("admin", against=down)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{dash.url}/repositories")
        expect(page.get_by_text("The host is down").first).to_be_visible()
        wait_for_run(page)
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Host unreachable", exact=False)).to_be_visible()
        expect(sidebar.get_by_text(PERSON)).to_be_visible()
        expect(
            page.locator("[role='gridcell']").filter(has_text="unverified").first
        ).to_be_attached()
        cells = grid_texts(page)
        assert "my-project" in " ".join(cells)
        shot(page, "host-down-repositories")

        page.goto(f"{dash.url}/resources")
        expect(page.get_by_text("The host is down").first).to_be_visible()
        expect(page.get_by_role("button", name="Retry")).to_be_visible()
        wait_for_run(page)
        shot(page, "host-down-resources")

        page.goto(f"{dash.url}/activity")
        expect(page.get_by_text("Who bound, re-bound or upgraded")).to_be_visible()
    finally:
        page.close()
