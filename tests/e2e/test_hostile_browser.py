"""Hostile host text in a real browser: labels, workspace and team names, and project
slugs carrying HTML, Markdown, ANSI escapes and control characters are shown as
literal text on every page. No script runs, no element links or loads the attacker's
URLs, and the browser never contacts them."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import Dashboard, StartDashboard
from tests.e2e.test_dashboard_browser import (
    _expect,
    cell,
    choose,
    click_table_row,
    grid_texts,
    open_page,
    shot,
    wait_for_run,
)
from tests.support.host import HostHandle

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"
MARKDOWN = "**bold** [link](http://evil.example) ![img](http://evil.example/x.png)"
ANSI = "\x1b[31mRed\x1b[0m\x07 Alert\u202e"  # colour, bell, right-to-left override

LABEL_IMG = f"{IMG} Mobile"
LABEL_SCRIPT = f"{SCRIPT} Scripted"
LABEL_MD = f"{MARKDOWN} Marked"
LABEL_ANSI = f"{ANSI} Coloured"
WORKSPACE = f"<b>Ops</b> {IMG}"
TEAM = f"**Team** {SCRIPT}"
SLUG = f"{IMG}-slug"


def hostile_state() -> dict[str, Any]:
    resources = [
        {"key": "EVIL-1", "name": "Mobile App", "display_label": LABEL_IMG},
        {"key": "EVIL-2", "name": "Mobile App 2", "display_label": LABEL_SCRIPT},
        {"key": "EVIL-3", "name": "Mobile App 3", "display_label": LABEL_MD},
        {"key": "EVIL-4", "name": "Mobile App 4", "display_label": LABEL_ANSI},
    ]
    return {
        "installations": [
            {
                "provider": "linear",
                "workspaces": [{"name": WORKSPACE, "team_name": TEAM, "resources": resources}],
            },
            {
                "provider": "jira",
                "workspaces": [
                    {
                        "name": MARKDOWN,
                        "resources": [{"key": "OK-1", "name": "Plain", "display_label": "Plain"}],
                    }
                ],
            },
        ],
        "mappings": [
            {
                "provider": "linear",
                "resource_key": "EVIL-2",
                "project_uuid": "0b7c2f55-4f3e-4a61-9d0f-3c2b1a4e5f60",
                "project_slug": SLUG,
            }
        ],
    }


class Watch:
    """Every URL the page asked for; the attacker's host is blocked outright."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.route(re.compile(r"evil\.example"), lambda route: route.abort())

    def assert_inert(self, page: Any) -> None:
        assert page.evaluate("() => window.__pwned") is None, "a hostile script ran"
        assert page.locator("img[src='x'], img[src*='evil.example']").count() == 0
        assert page.locator("a[href*='evil.example'], [src*='evil.example']").count() == 0
        assert page.locator("[onerror]").count() == 0
        assert [u for u in self.urls if "evil.example" in u] == []


def test_hostile_host_text_stays_text_on_every_page(
    browser: Any, start_dashboard: StartDashboard, host: HostHandle
) -> None:
    expect = _expect()
    host.load(hostile_state())
    dash: Dashboard = start_dashboard("admin")
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    watch = Watch(page)
    try:
        open_page(page, dash, "", "Binding health by provider × workspace")
        page.wait_for_timeout(500)  # the charts draw workspace names too
        expect(cell(page, "<b>Ops</b>")).to_be_attached()
        watch.assert_inert(page)
        cells = grid_texts(page)
        # Per-workspace counts: each row is named "provider · workspace", as typed.
        assert f"linear · {WORKSPACE}" in cells and f"jira · {MARKDOWN}" in cells, cells
        shot(page, "hostile-overview")

        open_page(page, dash, "resources", "Showing 5 of 5 resources")
        expect(cell(page, "Plain")).to_be_attached()  # the table has drawn its cells
        watch.assert_inert(page)
        cells = grid_texts(page)
        for label in (LABEL_IMG, LABEL_SCRIPT, LABEL_MD):
            assert label in cells, label
        # Escapes and control characters are dropped; the words stay.
        assert "Red Alert Coloured" in cells
        assert not [c for c in cells if "\x1b" in c or "\x07" in c or "\u202e" in c]
        assert "**Team** <script>window.__pwned=1</script>" in cells
        shot(page, "hostile-resources")

        open_page(page, dash, "repositories", "Host mappings not found locally")
        expect(cell(page, "-slug")).to_be_attached()
        watch.assert_inert(page)
        cells = grid_texts(page)
        assert SLUG in cells and LABEL_SCRIPT in cells  # the unclaimed host mapping

        # Bind: candidates (a table and a selectbox) and the config preview.
        rows = sorted(r.path.resolve().name for r in dash.repos.values())
        click_table_row(page, "repos_table", rows.index("mobile-app"))
        wait_for_run(page)
        page.get_by_role("link", name="Bind or re-bind 1 selected").click()
        key = dash.key("mobile-app")
        resolve = page.locator(f".st-key-resolve_{key} button")
        expect(resolve).to_be_visible()
        wait_for_run(page)
        resolve.click()
        wait_for_run(page)
        expect(cell(page, "Marked")).to_be_attached()
        watch.assert_inert(page)
        cells = grid_texts(page)
        assert LABEL_IMG in cells and LABEL_MD in cells  # the candidates table
        choose(page, f"cand_{key}_linear", "> Mobile (")
        picked = page.locator(f".st-key-cand_{key}_linear").get_by_role("combobox")
        expect(picked).to_have_value(f"1. {LABEL_IMG} (high)")  # shown as typed, as text
        preview = page.get_by_test_id("stCode").inner_text()
        assert "<img src=x onerror=" in preview  # in the diff, as text
        watch.assert_inert(page)
        shot(page, "hostile-bind")

        open_page(page, dash, "activity", "Who bound, re-bound or upgraded")
        watch.assert_inert(page)
        assert watch.urls, "the page's own requests are seen"
    finally:
        page.close()


def test_the_watch_sees_an_injection(browser: Any) -> None:
    """The checks above would notice markup that the page turned into elements."""
    page = browser.new_page()
    watch = Watch(page)
    try:
        page.set_content(f"<p>{IMG}</p>")
        page.wait_for_timeout(100)
        try:
            watch.assert_inert(page)
        except AssertionError:
            pass
        else:
            raise AssertionError("an injected <img onerror> went unnoticed")
        page.set_content('<img src="http://evil.example/x.png">')
        page.wait_for_timeout(100)
        assert [u for u in watch.urls if "evil.example" in u]
    finally:
        page.close()
