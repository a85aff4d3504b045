"""POST bind-confirm: binding, idempotency, single-use tokens, conflicts and re-binding."""

from __future__ import annotations

from collections.abc import Callable

from tests.host.conftest import FakeClock
from tests.host.util import (
    CONFIRM,
    STATUS,
    VALIDATE,
    confirm,
    error_code,
    identity,
    resolve,
    token_for,
)
from tests.support.host import HostHandle


def test_confirm_binds_and_returns_the_mapping(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    response = confirm(host, "linear", token, ident)
    assert response.status_code == 200
    body = response.json()
    assert body["binding_ref"].startswith("srm_") and len(body["binding_ref"]) == 30
    assert body["display_label"] == "Mobile App (LINEAR-789)"
    assert body["provider"] == "linear"
    assert body["provider_context"] == {"workspace_name": "Acme Corp", "team_name": "Engineering"}
    assert body["bound_at"].endswith("Z")
    assert body["project_slug"] == "mobile-app"
    # The project now resolves exactly and the resource shows its binding.
    again = resolve(host, "linear", ident)
    assert (again["match_type"], again["binding_ref"]) == ("exact", body["binding_ref"])
    assert host.mapping_counts("linear")["active"] == 4


def test_token_from_resources_listing_works_too(host: HostHandle) -> None:
    token = token_for(host, "gitlab", "acme/k8s-charts")
    response = confirm(host, "gitlab", token, identity("charts"))
    assert response.status_code == 200
    assert response.json()["display_label"] == "acme/k8s-charts"


def test_same_key_same_body_replays_the_same_response_without_a_second_mapping(
    host: HostHandle,
) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    first = confirm(host, "linear", token, ident, key="retry-key-1")
    # The token is consumed now, yet the retry with the same key gets the same answer.
    second = confirm(host, "linear", token, ident, key="retry-key-1")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert "Idempotency-Replayed" not in first.headers
    assert second.headers["Idempotency-Replayed"] == "true"
    assert host.mapping_counts("linear") == {"active": 4, "disabled": 0, "deleted": 1}


def test_same_key_with_another_body_is_422(host: HostHandle) -> None:
    ident = identity("mobile-app")
    tokens = [c["candidate_token"] for c in resolve(host, "linear", ident)["candidates"]]
    assert confirm(host, "linear", tokens[0], ident, key="k").status_code == 200
    reused = confirm(host, "linear", tokens[1], ident, key="k")
    assert reused.status_code == 422
    assert error_code(reused) == "idempotency_key_reused"
    assert host.mapping_counts("linear")["active"] == 4


def test_idempotency_key_may_be_any_non_empty_string(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    key = "sha256:" + "ab" * 32
    assert confirm(host, "linear", token, ident, key=key).status_code == 200


def test_missing_or_blank_idempotency_key_is_400(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    body = {"provider": "linear", "candidate_token": token, "project_identity": ident}
    for headers in ({}, {"Idempotency-Key": ""}):
        response = host.post(CONFIRM, body, headers=headers)
        assert response.status_code == 400
        assert error_code(response) == "idempotency_key_required"
    assert host.mapping_counts("linear")["active"] == 3


def test_candidate_token_is_single_use(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    assert confirm(host, "linear", token, ident).status_code == 200
    again = confirm(host, "linear", token, ident)  # new key: a new request
    assert again.status_code == 400
    assert error_code(again) == "invalid_candidate_token"


def test_forged_or_tampered_tokens_are_refused(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    body, _, signature = token.partition(".")
    for bad in (
        "not-a-token",
        "ct_",
        token + "x",
        body + "." + signature[::-1],
        body[:-2] + "AA." + signature,
        "ct_" + "\u00e9" * 10 + "." + signature,
    ):
        response = confirm(host, "linear", bad, ident)
        assert response.status_code == 400, bad
        assert error_code(response) == "invalid_candidate_token"


def test_token_of_another_provider_is_refused(host: HostHandle) -> None:
    ident = identity("mobile-app")
    jira_token = resolve(host, "jira", ident)["candidates"][0]["candidate_token"]
    response = confirm(host, "linear", jira_token, ident)
    assert response.status_code == 400
    assert error_code(response) == "invalid_candidate_token"
    # ...and it is still good where it belongs.
    assert confirm(host, "jira", jira_token, ident).status_code == 200


def test_revoked_tokens_are_refused(host: HostHandle) -> None:
    ident = identity("mobile-app")
    token = resolve(host, "linear", ident)["candidates"][0]["candidate_token"]
    host.revoke_candidate_tokens()
    assert error_code(confirm(host, "linear", token, ident)) == "invalid_candidate_token"


def test_token_expires_after_its_ttl(
    make_host: Callable[..., HostHandle], clock: FakeClock
) -> None:
    app = make_host(clock=clock, candidate_ttl_seconds=900)
    ident = identity("mobile-app")
    tokens = [c["candidate_token"] for c in resolve(app, "linear", ident)["candidates"]]
    clock.advance(899)
    assert confirm(app, "linear", tokens[0], ident).status_code == 200
    clock.advance(2)
    expired = confirm(app, "linear", tokens[1], ident)
    assert expired.status_code == 400
    assert error_code(expired) == "invalid_candidate_token"


def test_resource_of_another_active_project_is_409(host: HostHandle) -> None:
    token = token_for(host, "linear", "My Project (LINEAR-123)")
    response = confirm(host, "linear", token, identity("intruder"))
    assert response.status_code == 409
    assert error_code(response) == "already_bound"
    assert response.json()["error_category"] == "already_bound"
    assert "My Project (LINEAR-123)" in response.json()["message"]


def test_resource_of_a_disabled_mapping_is_409(host: HostHandle) -> None:
    token = token_for(host, "jira", "Legacy CRM (CRM)")
    response = confirm(host, "jira", token, identity("intruder"))
    assert response.status_code == 409
    assert error_code(response) == "already_bound"
    assert "Legacy CRM (CRM)" in response.json()["message"]


def test_deleted_mapping_frees_the_resource(host: HostHandle) -> None:
    token = token_for(host, "linear", "Search Service (LAB-34)")
    response = confirm(host, "linear", token, identity("new-search"))
    assert response.status_code == 200
    assert response.json()["binding_ref"] != host.seed.DELETED_SEARCH.binding_ref


def test_deleting_through_dev_controls_frees_the_resource(host: HostHandle) -> None:
    token = token_for(host, "linear", "Data Pipeline (LAB-12)")
    assert confirm(host, "linear", token, identity("other")).status_code == 409
    host.delete(host.seed.DATA_PIPELINE.binding_ref)
    token = token_for(host, "linear", "Data Pipeline (LAB-12)")
    assert confirm(host, "linear", token, identity("other")).status_code == 200


def test_confirming_the_resource_already_bound_returns_the_existing_mapping(
    host: HostHandle,
) -> None:
    seeded = host.seed.MY_PROJECT
    ident = identity("my-project", uuid=seeded.project_uuid)
    token = resolve(host, "linear", ident)["candidate_token"]
    response = confirm(host, "linear", token, ident)
    assert response.status_code == 200
    body = response.json()
    assert body["binding_ref"] == seeded.binding_ref
    assert body["bound_at"] == seeded.bound_at
    assert host.mapping_counts("linear") == {"active": 3, "disabled": 0, "deleted": 1}


def test_rebinding_replaces_the_previous_mapping_which_becomes_deleted(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    ident = identity("my-project", uuid=seeded.project_uuid)
    token = token_for(host, "linear", "Backend API (LINEAR-456)")
    response = confirm(host, "linear", token, ident)
    assert response.status_code == 200
    new_ref = response.json()["binding_ref"]
    assert new_ref != seeded.binding_ref
    by_ref = {m["binding_ref"]: m for m in host.mappings("linear")}
    assert by_ref[seeded.binding_ref]["status"] == "deleted"
    assert by_ref[new_ref]["status"] == "active"
    # The old ref is stale now, and its resource is free again.
    stale = host.get(STATUS, {"provider": "linear", "binding_ref": seeded.binding_ref})
    assert (stale.status_code, error_code(stale)) == (404, "binding_not_found")
    freed = token_for(host, "linear", "My Project (LINEAR-123)")
    assert confirm(host, "linear", freed, identity("someone-else")).status_code == 200


def test_rebinding_a_disabled_project_replaces_its_disabled_mapping(host: HostHandle) -> None:
    crm = host.seed.DISABLED_CRM
    ident = identity("crm-sync", uuid=crm.project_uuid)
    token = token_for(host, "jira", "Legacy CRM (CRM)")
    response = confirm(host, "jira", token, ident)
    assert response.status_code == 200
    new_ref = response.json()["binding_ref"]
    assert new_ref != crm.binding_ref
    validated = host.post(
        VALIDATE, {"provider": "jira", "binding_ref": new_ref, "project_identity": ident}
    ).json()
    assert validated["valid"] is True
    old = host.post(
        VALIDATE, {"provider": "jira", "binding_ref": crm.binding_ref, "project_identity": ident}
    ).json()
    assert old["reason"] == "mapping_deleted"


def test_binding_one_provider_leaves_the_others_alone(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    ident = identity("my-project", uuid=seeded.project_uuid)
    token = token_for(host, "github", "acme-corp/docs")
    assert confirm(host, "github", token, ident).status_code == 200
    exact = resolve(host, "linear", ident)
    assert (exact["match_type"], exact["binding_ref"]) == ("exact", seeded.binding_ref)
