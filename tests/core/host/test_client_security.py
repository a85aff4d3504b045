"""Where the token may go: only to the configured origin, over https unless loopback
(or explicitly allowed), and never into a repr, an exception message or a log line."""

from __future__ import annotations

import logging

import httpx
import pytest
from pydantic import SecretStr

from tests.core.host.test_client_fakes import (
    BIND_RESULT,
    IDENTITY,
    MAPPINGS,
    NEW_TOKEN,
    RESOURCES,
    TOKEN,
    ScriptedHost,
    envelope,
    html,
    make_client,
    ok,
)
from tracker_core.errors import AuthError, SettingsError, TrackerError
from tracker_core.host.auth import StaticToken
from tracker_core.host.client import HostClient

# --- base URL ------------------------------------------------------------------------


def test_plain_http_to_a_remote_host_is_refused():
    with pytest.raises(SettingsError) as info:
        make_client(ScriptedHost(), base_url="http://saas.example.com")
    text = str(info.value)
    assert "refusing plain http:// to saas.example.com" in text
    assert "https://" in text and "SK_TRACKER_ALLOW_INSECURE_HTTP" in text


def test_plain_http_to_a_remote_host_when_explicitly_allowed():
    host = ScriptedHost(ok(RESOURCES))
    client = make_client(host, base_url="http://10.1.2.3:8000", allow_insecure_http=True)
    client.resources("linear")
    assert str(host.last.url).startswith("http://10.1.2.3:8000/api/v1/tracker/resources/")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8765", "http://localhost:8000/", "http://[::1]:9000", "http://127.8.0.1"],
)
def test_plain_http_to_loopback_is_fine(url):
    host = ScriptedHost(ok(MAPPINGS))
    make_client(host, base_url=url).mappings("linear")
    assert host.last.url.scheme == "http"


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "SPEC_KITTY_SAAS_URL"),
        ("   ", "SPEC_KITTY_SAAS_URL"),
        ("ftp://host.example", "http(s) origin"),
        ("host.example", "http(s) origin"),
        ("https://host.example/api/v1", "no path or query"),
        ("https://host.example/?team=acme", "no path or query"),
        ("http://127.0.0.1.nip.io", "refusing plain http://"),
    ],
)
def test_unusable_base_urls_are_one_line_settings_errors(url, words):
    with pytest.raises(SettingsError) as info:
        make_client(ScriptedHost(), base_url=url)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(SettingsError) as info:
        make_client(ScriptedHost(), base_url="https://bob:hunter2@host.example")
    assert "hunter2" not in str(info.value) and "user name or password" in str(info.value)


@pytest.mark.parametrize("team", ["", "  ", "two words", "acme\r\nX-Evil: 1"])
def test_unusable_team_is_a_settings_error_naming_the_variable(team):
    with pytest.raises(SettingsError, match="SK_TRACKER_TEAM"):
        HostClient(
            "https://host.example", TOKEN, team, transport=httpx.MockTransport(ScriptedHost())
        )


# --- the token ---------------------------------------------------------------------


@pytest.mark.parametrize("token", [TOKEN, SecretStr(TOKEN), StaticToken(TOKEN)])
def test_the_token_is_not_in_the_clients_repr_or_str(token):
    client = make_client(ScriptedHost(), token=token)
    for text in (repr(client), str(client)):
        assert TOKEN not in text
        assert "https://host.example" in text and "acme" in text


def test_an_unsendable_token_is_refused_without_showing_it():
    host = ScriptedHost()
    for bad in ("", "tok with space", TOKEN + "\r\nX-Evil: 1"):
        with pytest.raises(AuthError) as info:
            make_client(host, token=bad).resources("linear")
        assert "SK_TRACKER_TOKEN" in str(info.value)
        if bad:
            assert bad not in str(info.value) and TOKEN not in str(info.value)
    assert host.requests == []


def test_a_host_that_echoes_the_token_has_it_masked():
    host = ScriptedHost(envelope(400, "bad_token_format", f"token {TOKEN} is malformed"))
    with pytest.raises(TrackerError) as info:
        make_client(host).resources("linear")
    assert TOKEN not in str(info.value) and "[redacted]" in str(info.value)


def failing_calls() -> list[tuple[ScriptedHost, str]]:
    """Hosts that make the client raise each kind of error, with the call to make."""
    return [
        (ScriptedHost(envelope(401, "unauthorized", "expired")), "resources"),
        (ScriptedHost(envelope(403, "forbidden", "wrong team", category="team")), "resources"),
        (ScriptedHost(envelope(403, "forbidden", "viewer")), "confirm"),
        (ScriptedHost(envelope(403, "no_installation", "none")), "resources"),
        (ScriptedHost(envelope(400, "unknown_provider", "?")), "resources"),
        (ScriptedHost(*[envelope(429, "rate_limited", retry_after_seconds=1)] * 4), "resources"),
        (ScriptedHost(envelope(400, "invalid_candidate_token", "used")), "confirm"),
        (ScriptedHost(envelope(409, "already_bound", "Web is bound")), "confirm"),
        (ScriptedHost(envelope(404, "binding_not_found", "gone")), "status"),
        (ScriptedHost(envelope(409, "mapping_disabled", "off")), "status"),
        (ScriptedHost(envelope(403, "project_mismatch", "theirs")), "validate"),
        (ScriptedHost(envelope(422, "idempotency_key_reused", "reused")), "confirm"),
        (ScriptedHost(envelope(400, "whatever", "other")), "resources"),
        (ScriptedHost(*[html(502)] * 4), "resources"),
        (ScriptedHost(*[httpx.ReadTimeout] * 4), "resources"),
        (ScriptedHost(*[httpx.ConnectError] * 4), "confirm"),
        (ScriptedHost(ok({"wrong": "shape"})), "resources"),
        (ScriptedHost(httpx.Response(200, text="{not json")), "confirm"),
        (ScriptedHost(httpx.Response(302, headers={"location": "https://x.example"})), "status"),
    ]


def call(client: HostClient, what: str) -> object:
    if what == "resources":
        return client.resources("linear")
    if what == "confirm":
        return client.bind_confirm("linear", "ct", IDENTITY)
    if what == "validate":
        return client.bind_validate("linear", "srm_x", IDENTITY)
    return client.project_status("linear", binding_ref="srm_x")


def test_the_token_is_in_no_exception_and_no_log_record(caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[TrackerError] = []
    for host, what in failing_calls():
        client = make_client(host)
        with pytest.raises(TrackerError) as info:
            call(client, what)
        errors.append(info.value)
    # A refresh that rotates the token: neither the old nor the new one may show up.
    rotating = ScriptedHost(envelope(401, "unauthorized"), envelope(401, "unauthorized"))
    tokens = _Rotating()
    with pytest.raises(AuthError) as info:
        make_client(rotating, token=tokens).resources("linear")
    errors.append(info.value)

    assert len(errors) == len(failing_calls()) + 1
    for error in errors:
        for text in (str(error), repr(error), *map(str, error.args)):
            assert TOKEN not in text and NEW_TOKEN not in text
        assert error.__cause__ is None or TOKEN not in str(error.__cause__)
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert TOKEN not in logged and NEW_TOKEN not in logged
    assert "Bearer" not in logged


class _Rotating:
    def __init__(self) -> None:
        self.current = SecretStr(TOKEN)

    def token(self) -> SecretStr:
        return self.current

    def refresh(self) -> SecretStr | None:
        self.current = SecretStr(NEW_TOKEN)
        return self.current


def test_requests_are_logged_at_debug_with_method_path_status_and_time(caplog):
    caplog.set_level(logging.DEBUG, logger="tracker_core.host.client")
    host = ScriptedHost(html(503), ok(RESOURCES), ok(BIND_RESULT))
    client = make_client(host)
    client.resources("linear")
    client.bind_confirm("linear", "ct", IDENTITY)
    lines = [r.getMessage() for r in caplog.records if r.name == "tracker_core.host.client"]
    assert any(
        "GET /api/v1/tracker/resources/ -> 503" in line and "attempt 1" in line for line in lines
    )
    assert any(
        "GET /api/v1/tracker/resources/ -> 200" in line and "attempt 2" in line for line in lines
    )
    assert any(
        "POST /api/v1/tracker/bind-confirm/ -> 200" in line and " ms" in line for line in lines
    )
    assert all(
        r.levelno == logging.DEBUG for r in caplog.records if r.name == "tracker_core.host.client"
    )
    assert all(TOKEN not in line and "Idempotency" not in line for line in lines)
