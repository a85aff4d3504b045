"""Malformed input never gets a 500: every bad request is a 4xx with the envelope."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.host.util import CONFIRM, RESOLVE, RESOURCES, STATUS, VALIDATE, error_code, identity
from tests.support.host import HostHandle

POSTS = [RESOLVE, CONFIRM, VALIDATE]


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"not json at all",
        b"[]",
        b"null",
        b"42",
        b'"a string"',
        b'{"provider": "linear"',
        b"\xff\xfe\x00garbage",
        b'{"provider": "linear", "project_identity": "uuid"}',
        b'{"provider": "linear", "project_identity": {"uuid": 1, "slug": []}}',
        b'{"provider": null, "project_identity": {"uuid": "u", "slug": "s"},'
        b' "candidate_token": "t", "binding_ref": "r"}',
        b'{"provider": "linear", "project_identity": {"uuid": "", "slug": ""}}',
        b'{"provider": ["linear"], "project_identity": {}}',
        b'{"provider": "linear", "project_identity": {"uuid": "u", "slug": "s"}}' * 2,
    ],
)
def test_bad_bodies_are_400_with_the_envelope(host: HostHandle, path: str, raw: bytes) -> None:
    response = host.request(
        "POST",
        path,
        content=raw,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k"},
    )
    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_request"
    assert response.json()["error_category"] == "validation"


def test_deeply_nested_json_is_400_after_the_access_checks(host: HostHandle) -> None:
    deep = b'{"provider": "linear", "project_identity": ' + b"[" * 20000 + b"]" * 20000 + b"}"
    json_header = {"Content-Type": "application/json"}
    response = host.request("POST", RESOLVE, content=deep, headers=json_header)
    assert (response.status_code, error_code(response)) == (400, "invalid_request")
    anonymous = host.request("POST", RESOLVE, role=None, content=deep, headers=json_header)
    assert anonymous.status_code == 401


def test_validation_message_is_one_line_and_does_not_echo_input(host: HostHandle) -> None:
    secret = "s3cr3t-value-that-must-not-echo"
    response = host.post(
        RESOLVE, {"provider": "linear", "project_identity": {"uuid": 5, "slug": secret, "x": 1}}
    )
    assert response.status_code == 400
    message = response.json()["message"]
    assert "\n" not in message
    assert secret not in response.text
    assert "project_identity.uuid" in message


def test_wrong_content_type_is_400(host: HostHandle) -> None:
    response = host.request(
        "POST",
        RESOLVE,
        content=b"provider=linear",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


def test_overlong_fields_are_400(host: HostHandle) -> None:
    response = host.post(RESOLVE, {"provider": "linear", "project_identity": identity("x" * 5000)})
    assert response.status_code == 400
    assert host.get(STATUS, {"provider": "linear", "binding_ref": "r" * 1000}).status_code == 400


def test_huge_body_is_413(host: HostHandle) -> None:
    big = {"provider": "linear", "project_identity": identity("x"), "pad": "x" * 200_000}
    response = host.post(RESOLVE, big)
    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


def test_huge_chunked_body_is_413(host: HostHandle) -> None:
    def chunks():  # no Content-Length: the host must count what it reads
        for _ in range(100):
            yield b"x" * 4096

    response = host.request(
        "POST", RESOLVE, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_body_limit_is_configurable(make_host: Callable[..., HostHandle]) -> None:
    small = make_host(max_body_bytes=100)
    response = small.post(RESOLVE, {"provider": "linear", "project_identity": identity("x" * 100)})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/", 404, "not_found"),
        ("GET", "/api/v1/tracker/nothing/", 404, "not_found"),
        ("GET", "/api/v1/tracker/../../etc/passwd", 404, "not_found"),
        # Without its trailing slash a path is not found (no redirect to follow).
        ("GET", RESOURCES.rstrip("/"), 404, "not_found"),
        ("POST", CONFIRM.rstrip("/"), 404, "not_found"),
        ("PUT", RESOURCES, 405, "method_not_allowed"),
        ("DELETE", CONFIRM, 405, "method_not_allowed"),
        ("GET", CONFIRM, 405, "method_not_allowed"),
        ("POST", STATUS, 405, "method_not_allowed"),
    ],
)
def test_routing_errors_use_the_envelope(
    host: HostHandle, method: str, path: str, status: int, code: str
) -> None:
    response = host.request(method, path)
    assert response.status_code == status
    assert error_code(response) == code


def test_unknown_providers_of_every_shape_are_4xx(host: HostHandle) -> None:
    for provider in ("trello", "LINEAR!", "linear\x00", "🦄", "a" * 100, "azure-devops"):
        response = host.get(RESOURCES, {"provider": provider})
        assert 400 <= response.status_code < 500, provider
    # azure-devops normalises to a known provider without an installation.
    assert error_code(host.get(RESOURCES, {"provider": "azure-devops"})) == "no_installation"


def test_dev_routes_are_absent_without_dev_mode(make_host: Callable[..., HostHandle]) -> None:
    plain = make_host(dev=False)
    spec = plain.client.get("/openapi.json").json()
    assert not [path for path in spec["paths"] if path.startswith("/api/v1/dev")]
    assert "FaultSpec" not in spec["components"]["schemas"]
    for method, path in [
        ("POST", "/api/v1/dev/reset"),
        ("POST", "/api/v1/dev/faults"),
        ("POST", "/api/v1/dev/mappings/srm_X/delete"),
        ("POST", "/api/v1/dev/load"),
    ]:
        response = plain.request(method, path, json={})
        assert response.status_code == 404, path
    assert plain.client.get("/docs").status_code == 404


def test_dev_routes_are_listed_in_dev_mode(host: HostHandle) -> None:
    spec = host.client.get("/openapi.json").json()
    assert {
        "/api/v1/dev/mappings/{binding_ref}/disable",
        "/api/v1/dev/mappings/{binding_ref}/delete",
        "/api/v1/dev/faults",
        "/api/v1/dev/reset",
        "/api/v1/dev/load",
    } <= set(spec["paths"])


def test_dev_load_rejects_inconsistent_states(host: HostHandle) -> None:
    resource = {"key": "A", "name": "A"}
    installation = {"provider": "linear", "workspaces": [{"name": "W", "resources": [resource]}]}
    mapping = {"provider": "linear", "resource_key": "A", "project_uuid": "u", "project_slug": "s"}
    for state in (
        {"installations": [{"provider": "trello"}]},
        {"installations": [installation, installation]},
        {"installations": [installation], "mappings": [{**mapping, "resource_key": "B"}]},
        {"installations": [installation], "mappings": [mapping, {**mapping, "project_uuid": "v"}]},
        {"installations": [installation], "mappings": [{**mapping, "binding_ref": "srm_bad"}]},
        {"installations": [installation], "mappings": [{**mapping, "bound_at": "yesterday"}]},
        {"installations": [{"provider": "linear", "workspaces": [{"name": "  "}]}]},
    ):
        response = host.post("/api/v1/dev/load", state)
        assert response.status_code == 400, state
    # Nothing was replaced by a refused load.
    assert host.mapping_counts() == {"active": 6, "disabled": 1, "deleted": 1}


def test_dev_load_builds_large_states(host: HostHandle) -> None:
    installations = [
        {
            "provider": provider,
            "workspaces": [
                {
                    "name": f"{provider}-ws-{w}",
                    "team_name": "T",
                    "resources": [{"key": f"R-{w}-{n}", "name": f"Res {n}"} for n in range(500)],
                }
                for w in range(4)
            ],
        }
        for provider in ("linear", "jira", "github", "gitlab")
    ]
    mappings = [
        {
            "provider": "jira",
            "resource_key": f"R-0-{n}",
            "project_uuid": f"p-{n}",
            "project_slug": f"p-{n}",
            "status": ["active", "disabled", "deleted"][n % 3],
        }
        for n in range(300)
    ]
    counts = host.load({"installations": installations, "mappings": mappings})
    assert counts == {"resource_count": 8000, "mapping_count": 300}
    assert host.mapping_counts("jira") == {"active": 100, "disabled": 100, "deleted": 100}
    listed = host.get(RESOURCES, {"provider": "gitlab"}).json()["resources"]
    assert len(listed) == 2000
