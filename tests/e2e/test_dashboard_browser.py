"""The dashboard in a real browser: every page, a stale repo re-bound by selecting its
row in the Repositories table, and a viewer who cannot do the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import Cli
from tests.e2e.conftest import ARTIFACTS, Dashboard
from tests.support.host import HostHandle
from tests.support.person import PERSON
from tracker_host import seed

# The Repositories table draws on a canvas: rows are found by position. Its row
# height is fixed by the page (row_height=35) and row selection adds a checkbox
# column of 30 px on the left; row 0 is the header.
ROW_HEIGHT_PX = 35
ROW_MARKER_PX = 30
TIMEOUT_MS = 30_000


def _expect() -> Any:
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    return expect


def wait_for_run(page: Any) -> None:
    """Wait until the app's script has finished its current run."""
    page.wait_for_timeout(150)  # let a just-triggered rerun start
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(150)


def open_page(page: Any, dash: Dashboard, path: str, ready_text: str) -> None:
    page.goto(f"{dash.url}/{path}")
    _expect()(page.get_by_text(ready_text).first).to_be_visible()
    wait_for_run(page)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def click_table_row(page: Any, table_key: str, row: int) -> None:
    """Tick the selection checkbox of data row ``row`` (0-based) in a dataframe."""
    frame = page.locator(f".st-key-{table_key} [data-testid='stDataFrame']")
    _expect()(frame.locator("canvas").first).to_be_visible()
    frame.scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the canvas settles its layout after drawing
    y = (row + 1) * ROW_HEIGHT_PX + ROW_HEIGHT_PX / 2
    frame.click(position={"x": ROW_MARKER_PX / 2, "y": y})


def choose(page: Any, widget_key: str, option: str) -> None:
    """Pick ``option`` in the selectbox with ``widget_key``."""
    page.locator(f".st-key-{widget_key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option).click()
    wait_for_run(page)


def cell(page: Any, text: str) -> Any:
    """A cell of a dataframe on the page, found by its text."""
    return page.locator("[role='gridcell']").filter(has_text=text).first


def grid_texts(page: Any) -> list[str]:
    """Cell texts of the dataframes on the page (the grid's accessible cells)."""
    return page.locator("[role='gridcell']").all_inner_texts()


def cli_logging_to(dash: Dashboard, host: HostHandle, tmp_path: Path) -> Cli:
    """The CLI as the demo sets it up: an admin writing the dashboard's activity log."""
    home = tmp_path / "cli-home"
    home.mkdir()
    return Cli(
        url=host.url,
        team=host.team,
        token=host.admin_token,
        home=home,
        extra_env={"SK_TRACKER_ACTIVITY_LOG": str(dash.activity_log)},
    )


def tracker(dash: Dashboard, name: str) -> dict[str, Any]:
    return yaml.safe_load(dash.config(name)).get("tracker") or {}


def select_stale_row_and_resolve(page: Any, dash: Dashboard) -> str:
    """Repositories page → tick search-indexer's row → Bind page → resolve it."""
    expect = _expect()
    open_page(page, dash, "repositories", "Host mappings not found locally")
    rows = sorted(r.path.resolve().name for r in dash.repos.values())
    click_table_row(page, "repos_table", rows.index("search-indexer"))
    wait_for_run(page)
    # The row selection is the shared selection: the multiselect shows it too.
    expect(page.locator(".st-key-repo_pick")).to_contain_text("search-indexer")
    page.get_by_role("link", name="Bind or re-bind 1 selected").click()
    key = dash.key("search-indexer")
    resolve = page.locator(f".st-key-resolve_{key} button")
    expect(resolve).to_be_visible()
    wait_for_run(page)
    resolve.click()
    wait_for_run(page)
    choose(page, f"cand_{key}_linear", "1. Search Service (LAB-34) (medium)")
    preview = page.get_by_test_id("stCode")
    expect(preview).to_contain_text(f"-  binding_ref: {seed.DELETED_SEARCH.binding_ref}")
    expect(preview).to_contain_text('+  binding_ref: "(assigned by the host on confirm)"')
    return key


def test_admin_rebinds_a_stale_repo_by_selecting_its_row(
    browser: Any, start_dashboard: Callable[[str], Dashboard], host: HostHandle
) -> None:
    expect = _expect()
    dash = start_dashboard("admin")
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    try:
        open_page(page, dash, "", "Binding health by provider × workspace")
        expect(page.get_by_test_id("stMetric").first).to_contain_text("40")
        expect(page.get_by_text("4 of 5 providers connected")).to_be_visible()
        page.wait_for_timeout(500)  # charts finish drawing
        shot(page, "overview")

        open_page(page, dash, "resources", "Showing 40 of 40 resources")
        expect(cell(page, "My Project (LINEAR-123)")).to_be_attached()
        shot(page, "resources")

        key = select_stale_row_and_resolve(page, dash)
        shot(page, "bind-preview")
        page.locator(f".st-key-bind_{key} button").click()
        wait_for_run(page)
        expect(page.get_by_text("search-indexer: bound to Search Service (LAB-34)")).to_be_visible()
        shot(page, "bind-done")

        written = tracker(dash, "search-indexer")
        assert written["display_label"] == "Search Service (LAB-34)"
        assert written["binding_ref"] != seed.DELETED_SEARCH.binding_ref
        active = [
            m["binding_ref"]
            for m in host.mappings("linear")
            if m["project_slug"] == "search-indexer" and m["status"] == "active"
        ]
        assert active == [written["binding_ref"]]

        open_page(page, dash, "repositories", "Host mappings not found locally")
        expect(cell(page, "search-indexer")).to_be_attached()
        expect(cell(page, "✕ stale  mapping_disabled")).to_be_attached()  # crm-sync, untouched
        assert "✕ stale  mapping_deleted" not in grid_texts(page)
        shot(page, "repositories-after")

        open_page(page, dash, "activity", "Who bound, re-bound or upgraded")
        expect(cell(page, "rebind")).to_be_attached()
        cells = grid_texts(page)
        assert "rebind" in cells and PERSON in cells
        # The refs are in the selected row's panel (the table fits 1280 px without them).
        click_table_row(page, "activity_table", 0)
        wait_for_run(page)
        panel = page.get_by_text("Path: ").first
        expect(panel).to_contain_text(f"Old ref: {seed.DELETED_SEARCH.binding_ref}")
        expect(panel).to_contain_text(f"New ref: {written['binding_ref']}")
        shot(page, "activity")
    finally:
        page.close()


def test_a_viewer_cannot_rebind(
    browser: Any, start_dashboard: Callable[[str], Dashboard], host: HostHandle
) -> None:
    expect = _expect()
    dash = start_dashboard("viewer")
    before = dash.config("search-indexer")
    counts = host.mapping_counts()
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    try:
        open_page(page, dash, "", "Binding health by provider × workspace")
        expect(page.get_by_text("viewer: read-only")).to_be_visible()
        key = select_stale_row_and_resolve(page, dash)  # looking and previewing is allowed
        expect(page.get_by_text("signed in as a viewer")).to_be_visible()
        expect(page.locator(f".st-key-bind_{key} button")).to_be_disabled()
        expect(page.locator(".st-key-apply_upgrades button")).to_be_disabled()
        expect(page.locator(".st-key-rebind_plan button")).to_be_enabled()
        shot(page, "bind-viewer")
    finally:
        page.close()
    assert dash.config("search-indexer") == before
    assert host.mapping_counts() == counts


def test_a_cli_bind_shows_on_the_activity_page(
    browser: Any, start_dashboard: Callable[[str], Dashboard], host: HostHandle, tmp_path: Path
) -> None:
    """The demo's setup: the CLI runs with the exported log location, the dashboard
    shows what it did, named by the person who did it."""
    expect = _expect()
    dash = start_dashboard("admin")
    cli = cli_logging_to(dash, host, tmp_path)
    mobile = dash.path("mobile-app")
    done = cli.run("bind", "--provider", "linear", "--select", "1", "--repo", mobile)
    assert done.code == 0, done
    assert tracker(dash, "mobile-app")["provider"] == "linear"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_page(page, dash, "activity", "Who bound, re-bound or upgraded")
        shot(page, "activity-after-cli-bind")
        expect(cell(page, PERSON)).to_be_attached()
        cells = grid_texts(page)
        # Repos are named by their path under the root, as on every face.
        assert "bind" in cells and "mobile-app" in cells, cells
        assert str(dash.path("mobile-app")) not in cells, cells
    finally:
        page.close()


# How far any scrollable box inside an element could scroll sideways.
SIDEWAYS_OVERFLOW_JS = """el => {
  let worst = 0;
  for (const d of [el, ...el.querySelectorAll('*')]) {
    const x = getComputedStyle(d).overflowX;
    if (x === 'auto' || x === 'scroll') worst = Math.max(worst, d.scrollWidth - d.clientWidth);
  }
  return worst;
}"""


def assert_tables_fit(page: Any, count: int) -> None:
    """The page shows at least ``count`` tables and none of them scrolls sideways."""
    expect = _expect()
    frames = page.get_by_test_id("stDataFrame")
    expect(frames.nth(count - 1)).to_be_attached()
    for i in range(frames.count()):
        frame = frames.nth(i)
        expect(frame.locator("canvas").first).to_be_attached()
        frame.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # the grid settles its layout after drawing
        overflow = frame.evaluate(SIDEWAYS_OVERFLOW_JS)
        width = frame.evaluate("el => el.clientWidth")
        assert overflow <= 1, f"table {i} ({width} px wide) scrolls sideways by {overflow} px"


def test_the_overview_tables_fit_a_1280_px_window(
    browser: Any, start_dashboard: Callable[[str], Dashboard]
) -> None:
    dash = start_dashboard("admin")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_page(page, dash, "", "Binding health by provider × workspace")
        assert_tables_fit(page, 3)  # connectivity, per provider, per workspace
        shot(page, "overview-1280")
    finally:
        page.close()


def test_the_repositories_and_activity_tables_fit_a_1280_px_window(
    browser: Any, start_dashboard: Callable[[str], Dashboard], host: HostHandle, tmp_path: Path
) -> None:
    dash = start_dashboard("admin")
    cli = cli_logging_to(dash, host, tmp_path)
    done = cli.run(
        "bind", "--provider", "linear", "--select", "1", "--repo", dash.path("mobile-app")
    )
    assert done.code == 0, done  # an Activity row with a path, refs and a detail
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        open_page(page, dash, "repositories", "Host mappings not found locally")
        assert_tables_fit(page, 2)  # the repos, the unclaimed host mappings
        shot(page, "repositories-1280")
        open_page(page, dash, "activity", "Who bound, re-bound or upgraded")
        _expect()(cell(page, "mobile-app")).to_be_attached()
        assert_tables_fit(page, 1)
        shot(page, "activity-1280")
    finally:
        page.close()
