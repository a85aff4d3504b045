"""Each endpoint of DESIGN §4: what the client sends and what it makes of the answer."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.core.host.test_client_fakes import (
    BASE,
    BIND_RESULT,
    IDENTITY,
    INSTALLATION_STATUS,
    MAPPINGS,
    PROJECT_STATUS,
    RESOURCES,
    TEAM,
    TOKEN,
    ScriptedHost,
    candidate,
    envelope,
    html,
    make_client,
    ok,
)
from tracker_core.errors import UsageError
from tracker_core.host.wire import ResourceList


def assert_common_headers(request, token: str = TOKEN) -> None:
    assert request.headers["authorization"] == f"Bearer {token}"
    assert request.headers["x-team-slug"] == TEAM
    assert request.headers["accept"] == "application/json"
    assert request.headers["user-agent"].startswith("sk-tracker/")


def test_resources_sends_provider_query_and_parses_resources():
    host = ScriptedHost(ok(RESOURCES))
    with make_client(host) as client:
        result = client.resources("Linear")

    request = host.last
    assert request.method == "GET"
    assert request.url.path == "/api/v1/tracker/resources/"
    assert dict(request.url.params) == {"provider": "linear"}
    assert_common_headers(request)

    assert isinstance(result, ResourceList)
    assert result.provider == "linear" and result.installation_id == "inst_linear_1"
    bound, free = result.resources
    assert bound.is_bound and bound.binding_ref == "srm_01BOUND"
    assert bound.bound_project_slug == "backend"
    assert bound.bound_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert bound.provider_context == {"team_name": "Engineering", "workspace_name": "Acme Corp"}
    assert not free.is_bound and free.bound_at is None
    # A number in provider_context arrives as text: the model promises dict[str, str].
    assert free.provider_context["issue_count"] == "42"


def test_resources_empty_list_is_valid():
    host = ScriptedHost(ok({"resources": [], "installation_id": None, "provider": "jira"}))
    result = make_client(host).resources("jira")
    assert result.resources == [] and result.provider == "jira"


@pytest.mark.parametrize("base", [BASE, BASE + "/", "  " + BASE + "/  "])
def test_base_url_may_end_with_a_slash(base):
    host = ScriptedHost(ok(RESOURCES))
    client = make_client(host, base_url=base)
    client.resources("linear")
    assert str(host.last.url) == BASE + "/api/v1/tracker/resources/?provider=linear"
    assert client.base_url == BASE


def test_bind_resolve_posts_identity_and_sorts_candidates():
    payload = {
        "match_type": "candidates",
        "candidate_token": None,
        "binding_ref": None,
        "candidates": [
            candidate("ct_b", "Beta", "medium", 1),
            candidate("ct_a", "Alpha", "high", 0),
            candidate("ct_c", "Gamma", "low", 2),
        ],
        "display_label": None,
    }
    host = ScriptedHost(ok(payload))
    identity = replace(IDENTITY, build_id="build-7")
    result = make_client(host).bind_resolve("linear", identity)

    request = host.last
    assert request.method == "POST"
    assert request.url.path == "/api/v1/tracker/bind-resolve/"
    assert request.headers["content-type"] == "application/json"
    assert "idempotency-key" not in request.headers
    assert_common_headers(request)
    assert host.body() == {
        "provider": "linear",
        "project_identity": {
            "uuid": IDENTITY.uuid,
            "slug": "my-project",
            "node_id": "d036a097a835",
            "repo_slug": "acme/my-project",
            "build_id": "build-7",
        },
    }
    assert result.match_type == "candidates"
    assert [c.sort_position for c in result.candidates] == [0, 1, 2]
    assert [c.candidate_token for c in result.candidates] == ["ct_a", "ct_b", "ct_c"]
    assert result.candidates[0].confidence == "high"
    assert result.candidates[0].match_reason == "name similar to Alpha"


def test_bind_resolve_exact_and_none():
    exact = {
        "match_type": "exact",
        "candidate_token": None,
        "binding_ref": "srm_01BOUND",
        "candidates": [],
        "display_label": "Backend (ENG)",
    }
    none = {
        "match_type": "none",
        "candidate_token": None,
        "binding_ref": None,
        "candidates": [],
        "display_label": None,
    }
    host = ScriptedHost(ok(exact), ok(none))
    client = make_client(host)
    first = client.bind_resolve("linear", IDENTITY)
    assert first.match_type == "exact" and first.binding_ref == "srm_01BOUND"
    assert first.display_label == "Backend (ENG)"
    second = client.bind_resolve("linear", IDENTITY)
    assert second.match_type == "none" and second.candidates == []


def test_bind_confirm_sends_token_identity_and_a_uuid4_idempotency_key():
    host = ScriptedHost(ok(BIND_RESULT))
    result = make_client(host).bind_confirm("linear", "ct_free_2", IDENTITY)

    request = host.last
    assert request.method == "POST"
    assert request.url.path == "/api/v1/tracker/bind-confirm/"
    assert_common_headers(request)
    key = request.headers["idempotency-key"]
    assert uuid.UUID(key).version == 4
    assert host.body() == {
        "provider": "linear",
        "candidate_token": "ct_free_2",
        "project_identity": IDENTITY.to_payload(),
    }
    assert result.binding_ref == "srm_01NEW"
    assert result.display_label == "Frontend (WEB)"
    assert result.provider == "linear"
    assert result.provider_context["workspace_name"] == "Acme Corp"
    assert result.bound_at == datetime(2025, 4, 2, 8, 30, tzinfo=UTC)


def test_bind_confirm_uses_the_given_idempotency_key():
    host = ScriptedHost(ok(BIND_RESULT))
    make_client(host).bind_confirm("linear", "ct_free_2", IDENTITY, idempotency_key="sha-abc123")
    assert host.last.headers["idempotency-key"] == "sha-abc123"


@pytest.mark.parametrize("key", ["", "has space", "line\nbreak"])
def test_bind_confirm_rejects_unusable_idempotency_keys_without_sending(key):
    host = ScriptedHost()
    with pytest.raises(UsageError, match="Idempotency-Key"):
        make_client(host).bind_confirm("linear", "ct", IDENTITY, idempotency_key=key)
    assert host.requests == []


def test_bind_validate_valid_and_invalid():
    valid = {
        "valid": True,
        "binding_ref": "srm_01BOUND",
        "display_label": "Backend (ENG)",
        "provider": "linear",
        "provider_context": {"workspace_name": "Acme Corp"},
    }
    invalid = {
        "valid": False,
        "binding_ref": "srm_01GONE",
        "reason": "mapping_deleted",
        "guidance": "Run sk-tracker bind --provider linear",
    }
    host = ScriptedHost(ok(valid), ok(invalid))
    client = make_client(host)

    good = client.bind_validate("linear", "srm_01BOUND", IDENTITY)
    request = host.last
    assert request.method == "POST"
    assert request.url.path == "/api/v1/tracker/bind-validate/"
    assert_common_headers(request)
    assert host.body() == {
        "provider": "linear",
        "binding_ref": "srm_01BOUND",
        "project_identity": IDENTITY.to_payload(),
    }
    assert good.valid and good.display_label == "Backend (ENG)"
    assert good.provider_context == {"workspace_name": "Acme Corp"}

    bad = client.bind_validate("linear", "srm_01GONE", IDENTITY)
    assert not bad.valid and bad.reason == "mapping_deleted"
    assert bad.guidance == "Run sk-tracker bind --provider linear"
    assert bad.provider_context == {} and bad.display_label is None


def test_project_status_by_binding_ref_sends_only_the_ref():
    host = ScriptedHost(ok(PROJECT_STATUS))
    status = make_client(host).project_status(
        "linear", binding_ref="srm_01BOUND", project_slug="backend"
    )
    request = host.last
    assert request.method == "GET"
    assert request.url.path == "/api/v1/tracker/status/"
    # The ref wins and the slug is not sent, so no host can fall back to it.
    assert dict(request.url.params) == {"provider": "linear", "binding_ref": "srm_01BOUND"}
    assert_common_headers(request)
    assert status.configured and status.connected
    assert status.binding_ref == "srm_01BOUND" and status.sync_state == "idle"
    assert status.identity_path is not None and status.identity_path.type == "binding_ref"


def test_project_status_by_legacy_slug_returns_the_ref_for_upgrade():
    legacy = {
        **PROJECT_STATUS,
        "identity_path": {"type": "project_slug"},
    }
    host = ScriptedHost(ok(legacy))
    status = make_client(host).project_status("linear", project_slug="backend")
    assert dict(host.last.url.params) == {"provider": "linear", "project_slug": "backend"}
    assert status.binding_ref == "srm_01BOUND"
    assert status.identity_path is not None and status.identity_path.type == "project_slug"


def test_project_status_without_routing_key_is_a_usage_error_and_sends_nothing():
    host = ScriptedHost()
    with pytest.raises(UsageError, match="binding_ref or a project_slug"):
        make_client(host).project_status("linear", binding_ref="", project_slug=None)
    assert host.requests == []


def test_installation_status_sends_only_the_provider():
    host = ScriptedHost(ok(INSTALLATION_STATUS))
    status = make_client(host).installation_status("linear")
    assert host.last.url.path == "/api/v1/tracker/status/"
    assert dict(host.last.url.params) == {"provider": "linear"}
    assert status.connected and status.resource_count == 12
    active, disabled = status.bindings
    assert active.status == "active" and active.project_slug == "backend"
    assert disabled.status == "disabled" and disabled.provider_context == {}


def test_mappings_keeps_tombstones():
    host = ScriptedHost(ok(MAPPINGS))
    result = make_client(host).mappings("linear")
    assert host.last.method == "GET"
    assert host.last.url.path == "/api/v1/tracker/mappings/"
    assert dict(host.last.url.params) == {"provider": "linear"}
    assert_common_headers(host.last)
    assert [(m.binding_ref, m.status) for m in result.mappings] == [
        ("srm_01BOUND", "active"),
        ("srm_01GONE", "deleted"),
    ]
    assert result.mappings[0].updated_at == datetime(2025, 3, 2, 12, 0, tzinfo=UTC)


def test_me_parses_the_signed_in_user():
    host = ScriptedHost(ok({"user": "ada", "team_slug": "acme", "role": "admin"}))
    me = make_client(host).me()
    assert host.last.method == "GET"
    assert host.last.url.path == "/api/v1/me/"
    assert_common_headers(host.last)
    assert me is not None and (me.user, me.team_slug, me.role) == ("ada", "acme", "admin")


@pytest.mark.parametrize(
    "answer", [envelope(404, "not_found", "no such endpoint"), html(404, "<h1>Not Found</h1>")]
)
def test_me_is_none_when_the_host_has_no_such_endpoint(answer):
    host = ScriptedHost(answer)
    assert make_client(host).me() is None
    assert len(host.requests) == 1


def test_unknown_provider_is_refused_before_sending():
    host = ScriptedHost()
    client = make_client(host)
    with pytest.raises(UsageError, match="unknown provider 'trello'"):
        client.resources("trello")
    with pytest.raises(UsageError):
        client.bind_resolve("trello", IDENTITY)
    assert host.requests == [] and client.request_count == 0


def test_provider_names_are_normalized_in_query_and_body():
    host = ScriptedHost(ok(MAPPINGS), ok(BIND_RESULT))
    client = make_client(host)
    client.mappings(" Azure-DevOps ")
    assert dict(host.last.url.params) == {"provider": "azure_devops"}
    client.bind_confirm("GitHub", "ct", IDENTITY)
    assert host.body()["provider"] == "github"


def test_request_count_counts_every_request_sent():
    host = ScriptedHost(ok(MAPPINGS), ok(MAPPINGS), ok(RESOURCES))
    client = make_client(host)
    assert client.request_count == 0
    client.mappings("linear")
    client.mappings("linear")
    client.resources("linear")
    assert client.request_count == 3 == len(host.requests)


def test_every_request_has_all_four_timeouts_set():
    host = ScriptedHost(ok(RESOURCES))
    make_client(host, timeout=3.5).resources("linear")
    timeout = host.last.extensions["timeout"]
    assert set(timeout) == {"connect", "read", "write", "pool"}
    assert all(value == 3.5 for value in timeout.values())


@pytest.mark.parametrize("bad", [0, -1])
def test_timeout_must_be_positive(bad):
    with pytest.raises(UsageError, match="timeout"):
        make_client(ScriptedHost(), timeout=bad)
