"""Host reads are cached per host and team for a TTL: a rerun makes no HTTP request,
Refresh reads again, and the audit follows config changes at once."""

from __future__ import annotations

from unittest import mock

import httpx

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tracker_host import seed


def requests(at) -> int:
    return at.session_state["_tracker_session"].service.client.request_count


def test_a_rerun_within_the_ttl_makes_no_http_request(dash: Dashboard) -> None:
    at = start(dash)
    first = requests(at)
    assert first > 1  # /me, then discovery and the audit's mappings
    at.run()
    assert requests(at) == first
    for page in ("resources", "repositories", "bind", "activity", "overview"):
        goto(at, page)
        assert requests(at) == first, page
    goto(at, "resources")
    at.multiselect(key="res_providers").set_value(["gitlab"]).run()
    at.text_input(key="res_text").input("ops").run()
    assert requests(at) == first


def test_a_rerun_of_the_repositories_page_sends_no_request_at_all(dash: Dashboard) -> None:
    """Counted where httpx sends, for every client of the process: a rerun must not
    read the host through any other client either."""
    at = start(dash, "repositories")
    sent: list[str] = []
    send = httpx.HTTPTransport.handle_request

    def counted(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return send(transport, request)

    with mock.patch.object(httpx.HTTPTransport, "handle_request", counted):
        at.run()
        at.text_input(key="repo_text").input("billing").run()
        assert_clean(at)
        assert "billing-service" in frame_with(at, "name")["name"].tolist()
        assert sent == []
        at.sidebar.button(key="refresh").click().run()  # the counter does see reads
    assert "/api/v1/tracker/mappings/" in sent


def test_a_new_session_reuses_the_cache_but_asks_who_it_is(dash: Dashboard) -> None:
    start(dash, role="admin")
    viewer = start(dash, role="viewer")
    # Only /me: the read data comes from the cache the admin's session filled...
    assert requests(viewer) == 1
    # ...but the role is this session's own.
    assert viewer.session_state["_tracker_session"].role == "viewer"
    assert {m.label: m.value for m in viewer.metric}["Resources"] == "40"


def test_a_rejected_token_sees_no_cached_data(dash: Dashboard) -> None:
    start(dash, role="admin")  # fills the cache
    at = dash.app(token="sk-test-not-a-valid-token").run()
    assert not at.exception
    assert len(at.error) == 1 and "set SK_TRACKER_TOKEN" in at.error[0].value.replace("\\", "")
    assert not at.metric and not at.dataframe
    assert at.button(key="retry_sign_in")


def test_refresh_reads_the_host_again(dash: Dashboard) -> None:
    at = start(dash)
    before = requests(at)
    dash.host.disable(seed.MY_PROJECT.binding_ref)
    at.run()
    assert {m.label: m.value for m in at.metric}["Stale"] == "2"  # still the cached view
    at.sidebar.button(key="refresh").click().run()
    assert_clean(at)
    assert requests(at) > before
    assert {m.label: m.value for m in at.metric}["Stale"] == "3"  # my-project's mapping is off


def test_a_config_changed_on_disk_is_audited_again_without_refresh(dash: Dashboard) -> None:
    at = start(dash, "repositories")
    config = dash.repos["billing-service"].path / ".kittify" / "config.yaml"
    text = config.read_text()
    config.write_text(
        text.replace(
            "  project_slug: billing-service\n",
            f"  binding_ref: {seed.LEGACY_BILLING.binding_ref}\n  project_slug: billing-service\n",
        )
    )
    at.run()
    table = frame_with(at, "state_label", "reason").set_index("name")
    assert table.loc["billing-service", "state_label"] == "● bound"
