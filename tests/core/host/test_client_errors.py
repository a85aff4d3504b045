"""Every error of DESIGN §4 becomes one typed exception with a one-line message; a body
that is not the contract is a ProtocolError, never a KeyError or ValidationError."""

from __future__ import annotations

import httpx
import pytest

from tests.core.host.test_client_fakes import (
    IDENTITY,
    PROJECT_STATUS,
    RESOURCE_FREE,
    ScriptedHost,
    envelope,
    html,
    make_client,
    ok,
)
from tracker_core.errors import (
    AlreadyBoundError,
    AuthError,
    ForbiddenError,
    HostError,
    HostRequestError,
    HostUnavailableError,
    IdempotencyError,
    InvalidCandidateTokenError,
    NoInstallationError,
    ProtocolError,
    RateLimitedError,
    StaleBindingError,
    TeamForbiddenError,
    UnknownProviderError,
)


def one_line(error: Exception) -> str:
    text = str(error)
    assert text and "\n" not in text and "\x1b" not in text
    return text


def test_unauthorized_without_refresh_tells_the_user_to_log_in():
    host = ScriptedHost(envelope(401, "unauthorized", "token expired"))
    with pytest.raises(AuthError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert "token expired" in text and "set SK_TRACKER_TOKEN to a valid token" in text
    assert "log in" not in text  # there is no login command
    assert info.value.status_code == 401 and info.value.error_code == "unauthorized"
    assert len(host.requests) == 1  # a static token cannot refresh: no second try


def test_role_forbidden_is_a_plain_forbidden_error():
    host = ScriptedHost(envelope(403, "forbidden", "viewers may not confirm bindings"))
    with pytest.raises(ForbiddenError) as info:
        make_client(host).bind_confirm("linear", "ct", IDENTITY)
    assert not isinstance(info.value, TeamForbiddenError)
    assert "viewers may not confirm bindings" in one_line(info.value)
    assert info.value.status_code == 403 and len(host.requests) == 1


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("token is not valid for this team", None),
        ("X-Team-Slug does not match", None),
        ("access denied", "team"),
    ],
)
def test_team_forbidden_names_the_team_and_its_setting(message, category):
    host = ScriptedHost(envelope(403, "forbidden", message, category=category))
    with pytest.raises(TeamForbiddenError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert "'acme'" in text and "SK_TRACKER_TEAM" in text


def test_no_installation_says_to_connect_the_tracker():
    host = ScriptedHost(envelope(403, "no_installation", "No installation"))
    with pytest.raises(NoInstallationError) as info:
        make_client(host).resources("Jira")
    assert info.value.provider == "jira"
    assert "connect the jira tracker in the SaaS dashboard" in one_line(info.value)


def test_code_alias_is_read_like_error_code():
    host = ScriptedHost(envelope(403, "no_installation", "nope", key="code"))
    with pytest.raises(NoInstallationError) as info:
        make_client(host).resources("gitlab")
    assert info.value.error_code == "no_installation" and info.value.provider == "gitlab"


def test_unknown_provider_from_the_host():
    host = ScriptedHost(envelope(400, "unknown_provider", "azure_devops is not enabled"))
    with pytest.raises(UnknownProviderError) as info:
        make_client(host).resources("azure_devops")
    assert "azure_devops" in one_line(info.value) and info.value.status_code == 400


def test_invalid_candidate_token():
    host = ScriptedHost(envelope(400, "invalid_candidate_token", "token consumed"))
    with pytest.raises(InvalidCandidateTokenError) as info:
        make_client(host).bind_confirm("linear", "ct_used", IDENTITY)
    assert "resolve the project again" in one_line(info.value)
    assert len(host.requests) == 1  # a 400 is not retried


def test_already_bound_names_the_resource_the_host_named():
    host = ScriptedHost(
        envelope(409, "already_bound", "Frontend (WEB) is bound to project web-app")
    )
    with pytest.raises(AlreadyBoundError) as info:
        make_client(host).bind_confirm("linear", "ct_free_2", IDENTITY)
    text = one_line(info.value)
    assert "Frontend (WEB)" in text and "web-app" in text
    assert info.value.status_code == 409


@pytest.mark.parametrize(
    ("status", "code", "reason", "words"),
    [
        (404, "binding_not_found", "mapping_deleted", "was deleted"),
        (409, "mapping_disabled", "mapping_disabled", "is disabled"),
        (403, "project_mismatch", "project_mismatch", "another project"),
    ],
)
def test_stale_codes_routed_by_binding_ref_are_stale_binding_errors(status, code, reason, words):
    host = ScriptedHost(envelope(status, code, "stale"))
    with pytest.raises(StaleBindingError) as info:
        make_client(host).project_status("github", binding_ref="srm_01OLD", project_slug="old")
    error = info.value
    assert (error.binding_ref, error.reason, error.provider) == ("srm_01OLD", reason, "github")
    assert error.error_code == code and error.status_code == status
    text = one_line(error)
    assert "srm_01OLD" in text and words in text
    assert "sk-tracker bind --provider github" in text
    assert len(host.requests) == 1


def test_stale_code_on_bind_validate_names_the_ref_it_validated():
    host = ScriptedHost(envelope(403, "project_mismatch", "belongs to another project"))
    with pytest.raises(StaleBindingError) as info:
        make_client(host).bind_validate("linear", "srm_01THEIRS", IDENTITY)
    assert info.value.binding_ref == "srm_01THEIRS" and info.value.reason == "project_mismatch"


def test_binding_not_found_routed_by_slug_is_not_a_stale_ref():
    host = ScriptedHost(envelope(404, "binding_not_found", "no mapping"))
    with pytest.raises(HostRequestError) as info:
        make_client(host).project_status("linear", project_slug="legacy-app")
    assert not isinstance(info.value, StaleBindingError)
    assert info.value.error_code == "binding_not_found"
    text = one_line(info.value)
    assert "no mapping for project slug 'legacy-app'" in text
    assert "sk-tracker bind --provider linear" in text


@pytest.mark.parametrize(
    ("status", "code"), [(400, "idempotency_key_required"), (422, "idempotency_key_reused")]
)
def test_idempotency_errors(status, code):
    host = ScriptedHost(envelope(status, code, "key problem"))
    with pytest.raises(IdempotencyError) as info:
        make_client(host).bind_confirm("linear", "ct", IDENTITY)
    assert info.value.error_code == code and code in one_line(info.value)
    assert len(host.requests) == 1


def test_other_4xx_codes_are_host_request_errors():
    host = ScriptedHost(envelope(400, "validation_error", "project_identity.uuid is required"))
    with pytest.raises(HostRequestError) as info:
        make_client(host).bind_resolve("linear", IDENTITY)
    text = one_line(info.value)
    assert "validation_error" in text and "project_identity.uuid is required" in text
    assert "/api/v1/tracker/bind-resolve/" in text
    assert len(host.requests) == 1


def test_rate_limited_code_on_another_status_is_a_rate_limited_error():
    host = ScriptedHost(envelope(403, "rate_limited", "quota spent", retry_after_seconds=60))
    with pytest.raises(RateLimitedError) as info:
        make_client(host).resources("linear")
    assert info.value.retry_after == 60


def test_non_json_502_is_retried_then_host_unavailable():
    host = ScriptedHost(*[html(502)] * 4)
    with pytest.raises(HostUnavailableError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert text.startswith("host unavailable at https://host.example after 4 attempts")
    assert "502" in text and "text/html" in text and "<html>" not in text
    assert len(host.requests) == 4


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (html(400, "<h1>Bad Request</h1>"), "body is not JSON (text/html)"),
        (httpx.Response(404, json={"detail": "Not Found"}), "not the error envelope"),
        (httpx.Response(409, json=["already", "bound"]), "not the error envelope"),
    ],
)
def test_error_bodies_that_are_not_the_envelope_are_protocol_errors(answer, words):
    host = ScriptedHost(answer)
    with pytest.raises(ProtocolError) as info:
        make_client(host).mappings("linear")
    text = one_line(info.value)
    assert words in text and "GET /api/v1/tracker/mappings/" in text
    assert str(answer.status_code) in text


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (ok({"resources": "none", "provider": "linear"}), "resources"),
        (ok({"provider": "linear"}), "the response has no 'resources'"),
        (
            ok({"resources": [{**RESOURCE_FREE, "candidate_token": None}], "provider": "x"}),
            "resources.0.candidate_token",
        ),
        (
            ok({"resources": [{**RESOURCE_FREE, "provider_context": "x"}], "provider": "x"}),
            "provider_context",
        ),
        (ok([1, 2, 3]), "unexpected response shape"),
        (
            httpx.Response(
                200, text='{"resources": [', headers={"content-type": "application/json"}
            ),
            "body is not JSON",
        ),
        (httpx.Response(200, text=""), "body is not JSON"),
        (html(200), "body is not JSON (text/html)"),
    ],
)
def test_a_200_that_is_not_the_contract_is_a_protocol_error(answer, words):
    host = ScriptedHost(answer)
    with pytest.raises(ProtocolError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert words in text and "HTTP 200 from GET /api/v1/tracker/resources/" in text
    assert info.value.status_code == 200
    assert len(host.requests) == 1


def test_an_exact_match_without_a_target_is_a_protocol_error():
    exact = {"match_type": "exact", "candidate_token": None, "binding_ref": None, "candidates": []}
    host = ScriptedHost(ok(exact))
    with pytest.raises(ProtocolError, match="exact match must carry"):
        make_client(host).bind_resolve("linear", IDENTITY)


def test_redirects_are_not_followed_with_the_token():
    host = ScriptedHost(httpx.Response(302, headers={"location": "https://elsewhere.example/x"}))
    with pytest.raises(ProtocolError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert "https://elsewhere.example/x" in text and "SPEC_KITTY_SAAS_URL" in text
    assert len(host.requests) == 1


def test_host_text_in_errors_is_made_printable():
    nasty = "bad\x1b[31m red\x1b[0m\nsecond line\u202eevil"
    host = ScriptedHost(envelope(400, "something_else", nasty))
    with pytest.raises(HostRequestError) as info:
        make_client(host).resources("linear")
    text = one_line(info.value)
    assert "bad red second line" in text and "\u202e" not in text


def test_every_host_error_is_a_host_error_with_status():
    host = ScriptedHost(envelope(409, "mapping_disabled", "off"))
    with pytest.raises(HostError) as info:
        make_client(host).project_status("linear", binding_ref="srm_x")
    assert info.value.status_code == 409


def test_project_status_happy_path_still_parses_after_errors():
    host = ScriptedHost(envelope(400, "x", "y"), ok(PROJECT_STATUS))
    client = make_client(host)
    with pytest.raises(HostRequestError):
        client.project_status("linear", binding_ref="srm_01BOUND")
    assert client.project_status("linear", binding_ref="srm_01BOUND").connected
