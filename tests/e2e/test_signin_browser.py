"""Sign-in for a shared deployment, in a real browser against a local OpenID Connect
provider: the dashboard shows only its sign-in screen until someone signs in; a
viewer then cannot mutate (the controls are disabled, and a button re-enabled by
hand in the page still changes nothing), an admin re-binds a stale repo and is
named in the Activity log. The shared host token is a canary that no page, log or
file may show."""

from __future__ import annotations

import re
from typing import Any

from tests.dashboard.canary import CANARY_ADMIN, canary_host, files_leaking, leaks
from tests.e2e.conftest import Dashboard, IdentityProvider, StartDashboard
from tests.e2e.test_dashboard_browser import (
    _expect,
    click_table_row,
    open_page,
    select_stale_row_and_resolve,
    shot,
    tracker,
    wait_for_run,
)
from tests.support.activity import logged
from tests.support.host import HostHandle
from tracker_host import seed

ADMIN_EMAIL = "alice@acme.example"
VIEWER_EMAIL = "victor@acme.example"
PAGES = [
    ("", "Binding health by provider × workspace"),
    ("resources", "Showing 40 of 40 resources"),
    ("repositories", "Host mappings not found locally"),
    ("bind", "Re-bind stale repositories"),
    ("activity", "Who bound, re-bound or upgraded"),
]

SECRETS = """
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "e2e-cookie-secret-4b1f0c8e2d7a9356"
client_id = "sk-tracker-e2e"
client_secret = "e2e-client-secret"
server_metadata_url = "METADATA"

[sk_tracker.roles]
admins = ["someone-else@acme.example"]
admin_groups = ["tracker-admins"]
"""


class ForgedClick:
    """Sends a click on a button the page shows disabled, as a tampering user could:
    the browser refuses to click a disabled button, so the click is added to the next
    message the page sends over Streamlit's websocket (a real ``BackMsg``)."""

    def __init__(self) -> None:
        self.button_ids: dict[str, str] = {}  # widget key → widget id, from the server
        self.pending: list[str] = []
        self.sent = False

    def route(self, page: Any) -> None:
        page.route_web_socket(re.compile(r"/_stcore/stream"), self._handle)

    def _handle(self, ws: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            if isinstance(message, bytes):
                msg = ForwardMsg.FromString(message)
                element = msg.delta.new_element
                if element.WhichOneof("type") == "button":
                    key = element.button.id.rsplit("-", 1)[-1]
                    self.button_ids[key] = element.button.id
            ws.send(message)

        def to_server(message: str | bytes) -> None:
            if isinstance(message, bytes) and self.pending:
                msg = BackMsg.FromString(message)
                if msg.WhichOneof("type") == "rerun_script":
                    for widget_id in self.pending:
                        state = msg.rerun_script.widget_states.widgets.add()
                        state.id = widget_id
                        state.trigger_value = True
                    message = msg.SerializeToString()
                    self.pending, self.sent = [], True
            server.send(message)

        server.on_message(to_page)
        ws.on_message(to_server)

    def click(self, *keys: str) -> None:
        """Add a click on the buttons with ``keys`` to the page's next rerun."""
        self.pending = [self.button_ids[k] for k in keys]


def sign_in(
    browser: Any,
    dash: Dashboard,
    sub: str,
    forge: ForgedClick | None = None,
    provider: str = "default",
) -> Any:
    """A new browser (own cookies) that signs in as ``sub`` through ``provider``."""
    expect = _expect()
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    if forge is not None:
        forge.route(page)
    page.goto(dash.url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_for_run(page)
    page.locator(f".st-key-sign_in_{provider} button").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{dash.url}/**")
    expect(page.get_by_text("Binding health by provider × workspace")).to_be_visible()
    wait_for_run(page)
    return page


def assert_page_clean(page: Any) -> None:
    html = page.content()
    assert not leaks(html), "the shared token is in the page"
    assert "Traceback" not in html


def test_sign_in_viewer_then_admin(
    browser: Any,
    start_dashboard: StartDashboard,
    identity_provider: IdentityProvider,
) -> None:
    identity_provider.add_user(
        "victor", email=VIEWER_EMAIL, email_verified=True, name="Victor", groups=["staff"]
    )
    identity_provider.add_user(
        "alice", email=ADMIN_EMAIL, email_verified=True, name="Alice", groups=["tracker-admins"]
    )
    with canary_host() as host:
        secrets = SECRETS.replace("METADATA", identity_provider.metadata_url)
        dash = start_dashboard("admin", against=host, token=CANARY_ADMIN, secrets=secrets)
        run_signin_flow(browser, dash, host)
        assert not leaks(dash.log_file.read_bytes()), "the shared token is in the server log"
        assert files_leaking(dash.root.parent) == []


def run_signin_flow(browser: Any, dash: Dashboard, host: HostHandle) -> None:
    expect = _expect()
    # Before sign-in: the sign-in screen and nothing else, on every address.
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    for path, _ready in PAGES:
        page.goto(f"{dash.url}/{path}")
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        wait_for_run(page)
        expect(page.locator(".st-key-sign_in_default button")).to_be_visible()
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_test_id("stMetric").count() == 0
        assert page.get_by_test_id("stDataFrame").count() == 0
        assert_page_clean(page)
    shot(page, "sign-in")
    context.close()

    # A viewer: sees everything, can mutate nothing.
    before = {name: dash.config(name) for name in dash.repos}
    counts = host.mapping_counts()
    forge = ForgedClick()
    page = sign_in(browser, dash, "victor", forge)
    try:
        expect(page.get_by_text(VIEWER_EMAIL)).to_be_visible()
        expect(page.get_by_text("viewer: read-only")).to_be_visible()
        for path, ready in PAGES:
            open_page(page, dash, path, ready)
            assert_page_clean(page)
        key = select_stale_row_and_resolve(page, dash)
        bind = page.locator(f".st-key-bind_{key} button")
        expect(bind).to_be_disabled()
        expect(page.locator(".st-key-apply_upgrades button")).to_be_disabled()
        bind.scroll_into_view_if_needed()
        shot(page, "bind-viewer-signed-in")
        # Clicks forged into the websocket, riding on a harmless one (Refresh): on the
        # disabled "Confirm and write" and, to show forged clicks do arrive, on the
        # enabled "Find matches on the host". The first is refused, the second runs.
        forge.click(f"bind_{key}", "rebind_plan")
        page.get_by_role("button", name="Refresh").click()
        wait_for_run(page)
        assert forge.sent
        expect(page.locator(f".st-key-queue_{key}")).to_be_visible()  # the plan ran
        expect(page.get_by_text("bound to")).to_have_count(0)
        assert_page_clean(page)
    finally:
        page.context.close()
    assert {name: dash.config(name) for name in dash.repos} == before
    assert host.mapping_counts() == counts

    # An admin (through the tracker-admins group): re-binds the stale repo.
    page = sign_in(browser, dash, "alice")
    try:
        expect(page.get_by_text(ADMIN_EMAIL)).to_be_visible()
        key = select_stale_row_and_resolve(page, dash)
        page.locator(f".st-key-bind_{key} button").click()
        wait_for_run(page)
        expect(page.get_by_text("search-indexer: bound to Search Service (LAB-34)")).to_be_visible()
        written = tracker(dash, "search-indexer")
        assert written["binding_ref"] != seed.DELETED_SEARCH.binding_ref
        open_page(page, dash, "activity", "Who bound, re-bound or upgraded")
        expect(
            page.locator("[role='gridcell']").filter(has_text=ADMIN_EMAIL).first
        ).to_be_attached()
        cells = page.locator("[role='gridcell']").all_inner_texts()
        assert "rebind" in cells
        # The refs are in the selected row's panel (the table fits 1280 px without them).
        click_table_row(page, "activity_table", 0)
        wait_for_run(page)
        expect(page.get_by_text("Path: ").first).to_contain_text(
            f"New ref: {written['binding_ref']}"
        )
        shot(page, "activity-admin-signed-in")
        for path, ready in PAGES:
            open_page(page, dash, path, ready)
            assert_page_clean(page)
        # Signing out ends the session at the provider too, then the sign-in screen.
        page.locator(".st-key-sign_out button").click()
        page.get_by_role("button", name="End session").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.goto(f"{dash.url}/bind")  # the cookie is gone: still signed out
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        page.context.close()
    entries = logged(dash.activity_log)
    assert [(e["actor"], e["action"], e["result"]) for e in entries] == [
        (ADMIN_EMAIL, "rebind", "ok")
    ]


TWO_PROVIDERS = """
[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "e2e-cookie-secret-4b1f0c8e2d7a9356"

[auth.corp]
client_id = "sk-tracker-e2e"
client_secret = "e2e-client-secret"
server_metadata_url = "METADATA"

[auth.partners]
client_id = "sk-tracker-e2e-partners"
client_secret = "e2e-client-secret"
server_metadata_url = "METADATA"

[sk_tracker.roles.corp]
admins = ["boss@acme.example"]
"""


def test_spoofed_unverified_and_unmarked_emails_and_the_wrong_provider_get_no_admin(
    browser: Any,
    start_dashboard: StartDashboard,
    identity_provider: IdentityProvider,
) -> None:
    """Against a real provider, every way of claiming boss@acme.example but the
    verified one through the provider its rule names ends as a viewer."""
    expect = _expect()
    boss = "boss@acme.example"
    identity_provider.add_user("boss", email=boss, email_verified=True, name="Boss")
    identity_provider.add_user("spoof", email="bo\u200bss@acme.example", email_verified=True)
    identity_provider.add_user("unverified", email=boss, email_verified=False, name="U")
    identity_provider.add_user("unmarked", email=boss, name="Unmarked")
    secrets = TWO_PROVIDERS.replace("METADATA", identity_provider.metadata_url)
    dash = start_dashboard("admin", secrets=secrets)
    cases = [
        ("boss", "corp", "admin", boss),
        ("boss", "partners", "viewer: read-only", boss),
        ("spoof", "corp", "viewer: read-only", "bo\\u200bss@acme.example"),
        ("unverified", "corp", "viewer: read-only", "U"),
        ("unmarked", "corp", "viewer: read-only", "Unmarked"),
    ]
    for sub, provider, badge, shown in cases:
        page = sign_in(browser, dash, sub, provider=provider)
        try:
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar.get_by_text(shown, exact=True)).to_be_visible()
            badges = sidebar.get_by_text(re.compile(r"(^|\s)(admin|viewer: read-only)$"))
            expect(badges).to_have_count(1)
            assert badges.inner_text().split()[-1] == badge.split()[-1], badges.inner_text()
            assert_page_clean(page)
            if sub == "spoof":
                shot(page, "sign-in-spoofed-email")
        finally:
            page.context.close()
