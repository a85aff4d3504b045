"""Who may call what, and which error wins when several apply (DESIGN §4 precedence)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.host.util import CONFIRM, ME, RESOLVE, RESOURCES, STATUS, error_code, identity
from tests.support.host import ADMIN_TOKEN, HostHandle

ENVELOPE_KEYS = {
    "error_code",
    "message",
    "error_category",
    "retryable",
    "user_action_required",
    "retry_after_seconds",
}


def test_me_names_user_team_and_role(host: HostHandle) -> None:
    admin = host.get(ME)
    viewer = host.get(ME, role="viewer")
    assert admin.json() == {"user": "admin@acme.example", "team_slug": "acme", "role": "admin"}
    assert viewer.json() == {"user": "viewer@acme.example", "team_slug": "acme", "role": "viewer"}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Basic " + ADMIN_TOKEN,
        "Bearer wrong-token",
        "Bearer " + ADMIN_TOKEN + "x",
        "Bearer " + ADMIN_TOKEN[:-1],
        "Bearer tökén-ñon-ascii".encode(),
    ],
)
def test_missing_or_wrong_token_is_401_with_full_envelope(
    host: HostHandle, authorization: str | bytes | None
) -> None:
    headers: dict[str, Any] = {"X-Team-Slug": "acme"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = host.get(RESOURCES, {"provider": "linear"}, role=None, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["error_code"] == "unauthorized"
    assert body["error_category"] == "auth"
    assert body["user_action_required"] is True
    assert response.headers["content-type"] == "application/json"


def test_bearer_scheme_is_case_insensitive(host: HostHandle) -> None:
    response = host.get(
        ME, role=None, headers={"Authorization": f"bearer {ADMIN_TOKEN}", "X-Team-Slug": "acme"}
    )
    assert response.status_code == 200


def test_token_never_appears_in_error_messages(host: HostHandle) -> None:
    response = host.get(RESOURCES, {"provider": "linear"}, headers={"X-Team-Slug": "someone-else"})
    assert response.status_code == 403
    assert ADMIN_TOKEN not in response.text


@pytest.mark.parametrize("team", [None, "", "other-team", "ACME", "acme-corp"])
def test_team_header_missing_or_wrong_is_403_team(host: HostHandle, team: str | None) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    if team is not None:
        headers["X-Team-Slug"] = team
    response = host.get(RESOURCES, {"provider": "linear"}, role=None, headers=headers)
    assert response.status_code == 403
    assert response.json()["error_code"] == "forbidden"
    assert response.json()["error_category"] == "team"


def test_unknown_provider_is_400(host: HostHandle) -> None:
    response = host.get(RESOURCES, {"provider": "trello"})
    assert response.status_code == 400
    assert error_code(response) == "unknown_provider"
    assert "trello" in response.json()["message"]


def test_provider_is_normalised(host: HostHandle) -> None:
    response = host.get(RESOURCES, {"provider": " Linear "})
    assert response.status_code == 200
    assert response.json()["provider"] == "linear"


def test_known_provider_without_installation_is_403_no_installation(host: HostHandle) -> None:
    for method, path, kwargs in [
        ("GET", RESOURCES, {"params": {"provider": "azure_devops"}}),
        ("GET", STATUS, {"params": {"provider": "azure_devops"}}),
        (
            "POST",
            RESOLVE,
            {"json": {"provider": "azure_devops", "project_identity": identity("x")}},
        ),
    ]:
        response = host.request(method, path, **kwargs)
        assert response.status_code == 403, path
        assert error_code(response) == "no_installation"
        assert response.json()["error_category"] == "installation"


def test_viewer_may_read_and_resolve(host: HostHandle) -> None:
    assert host.get(RESOURCES, {"provider": "linear"}, role="viewer").status_code == 200
    resolved = host.post(
        RESOLVE, {"provider": "linear", "project_identity": identity("x")}, role="viewer"
    )
    assert resolved.status_code == 200


def test_viewer_may_not_confirm(host: HostHandle) -> None:
    token = host.get(RESOURCES, {"provider": "linear"}).json()["resources"][0]["candidate_token"]
    response = host.post(
        CONFIRM,
        {"provider": "linear", "candidate_token": token, "project_identity": identity("x")},
        role="viewer",
        headers={"Idempotency-Key": "k1"},
    )
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert response.json()["error_category"] == "permission"
    assert host.mapping_counts("linear")["active"] == 3


def test_viewer_may_not_use_dev_controls(host: HostHandle) -> None:
    response = host.post(
        f"/api/v1/dev/mappings/{host.seed.MY_PROJECT.binding_ref}/disable", role="viewer"
    )
    assert response.status_code == 403
    assert response.json()["error_category"] == "permission"
    assert host.mapping_counts("linear")["disabled"] == 0


# -- precedence: 401 → 403 team → 400 unknown_provider / 403 no_installation → 400
#    validation → 403 role → the operation's own errors --------------------------------


def _confirm_body(provider: object = "linear", token: object = "ct_forged") -> dict[str, object]:
    return {"provider": provider, "candidate_token": token, "project_identity": identity("x")}


def test_auth_beats_team_provider_and_validation(host: HostHandle) -> None:
    response = host.post(
        CONFIRM,
        {"provider": "trello"},
        role=None,
        headers={"X-Team-Slug": "wrong", "Authorization": "Bearer nope"},
    )
    assert response.status_code == 401


def test_auth_beats_malformed_json(host: HostHandle) -> None:
    response = host.request(
        "POST",
        RESOLVE,
        role=None,
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401


def test_team_beats_provider_errors(host: HostHandle) -> None:
    response = host.post(
        RESOLVE,
        {"provider": "trello", "project_identity": identity("x")},
        headers={"X-Team-Slug": "globex"},
    )
    assert response.status_code == 403
    assert response.json()["error_category"] == "team"


def test_team_beats_malformed_json(host: HostHandle) -> None:
    response = host.request(
        "POST",
        CONFIRM,
        content=b"[[[",
        headers={"Content-Type": "application/json", "X-Team-Slug": "globex"},
    )
    assert response.status_code == 403
    assert response.json()["error_category"] == "team"


def test_unknown_provider_beats_validation(host: HostHandle) -> None:
    # project_identity missing and no Idempotency-Key: still unknown_provider first.
    response = host.post(CONFIRM, {"provider": "trello"})
    assert response.status_code == 400
    assert error_code(response) == "unknown_provider"


def test_no_installation_beats_validation(host: HostHandle) -> None:
    response = host.post(CONFIRM, {"provider": "azure_devops", "candidate_token": 7})
    assert response.status_code == 403
    assert error_code(response) == "no_installation"


def test_validation_beats_role(host: HostHandle) -> None:
    response = host.post(
        CONFIRM,
        {"provider": "linear", "candidate_token": 12},
        role="viewer",
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"
    assert response.json()["error_category"] == "validation"


def test_missing_idempotency_key_is_validation_before_role(host: HostHandle) -> None:
    response = host.post(CONFIRM, _confirm_body(), role="viewer")
    assert response.status_code == 400
    assert error_code(response) == "idempotency_key_required"


def test_role_beats_operation_errors(host: HostHandle) -> None:
    # A forged token would be invalid_candidate_token, but the viewer is refused first.
    response = host.post(
        CONFIRM, _confirm_body(token="ct_forged"), role="viewer", headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 403
    assert response.json()["error_category"] == "permission"


def test_operation_error_when_everything_else_is_right(host: HostHandle) -> None:
    response = host.post(
        CONFIRM, _confirm_body(token="ct_forged"), headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 400
    assert error_code(response) == "invalid_candidate_token"
    # Binding-state errors carry their code as category (the published spec-kitty
    # CLI reads error_category first).
    assert response.json()["error_category"] == "invalid_candidate_token"


def test_missing_provider_is_a_validation_error(host: HostHandle) -> None:
    assert error_code(host.get(RESOURCES)) == "invalid_request"
    assert error_code(host.get(RESOURCES, {"provider": "  "})) == "invalid_request"
    assert error_code(host.post(RESOLVE, {"project_identity": identity("x")})) == "invalid_request"
    assert (
        error_code(host.post(RESOLVE, {"provider": 5, "project_identity": {}})) == "invalid_request"
    )
