"""bind-validate, status (project-scoped and installation-wide) and mappings."""

from __future__ import annotations

from typing import Any

import pytest

from tests.host.util import MAPPINGS, STATUS, VALIDATE, error_code, identity
from tests.support.host import HostHandle


def _validate(host: HostHandle, provider: str, ref: str, uuid: str) -> dict[str, Any]:
    response = host.post(
        VALIDATE,
        {"provider": provider, "binding_ref": ref, "project_identity": identity("p", uuid=uuid)},
    )
    assert response.status_code == 200
    return response.json()


# -- bind-validate ------------------------------------------------------------------------


def test_validate_active_ref_of_the_project(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    body = _validate(host, "linear", seeded.binding_ref, seeded.project_uuid)
    assert body == {
        "valid": True,
        "binding_ref": seeded.binding_ref,
        "display_label": "My Project (LINEAR-123)",
        "provider": "linear",
        "provider_context": {"workspace_name": "Acme Corp", "team_name": "Engineering"},
    }


@pytest.mark.parametrize(
    ("ref_of", "uuid_of", "provider", "reason", "owner"),
    [
        ("DELETED_SEARCH", "DELETED_SEARCH", "linear", "mapping_deleted", "linear"),
        ("DISABLED_CRM", "DISABLED_CRM", "jira", "mapping_disabled", "jira"),
        ("MY_PROJECT", "PAYMENTS", "linear", "project_mismatch", "linear"),
        ("PAYMENTS", "PAYMENTS", "linear", "provider_mismatch", "jira"),  # a jira ref as linear
    ],
)
def test_validate_invalid_refs(
    host: HostHandle, ref_of: str, uuid_of: str, provider: str, reason: str, owner: str
) -> None:
    ref = getattr(host.seed, ref_of).binding_ref
    body = _validate(host, provider, ref, getattr(host.seed, uuid_of).project_uuid)
    assert set(body) == {"valid", "binding_ref", "provider", "reason", "guidance"}
    assert body["valid"] is False
    assert body["binding_ref"] == ref
    assert body["reason"] == reason
    # The answer names the ref's own provider, and the guidance binds with it.
    assert body["provider"] == owner
    assert f"--provider {owner}" in body["guidance"]


def test_validate_a_ref_never_issued_is_binding_not_found(host: HostHandle) -> None:
    body = _validate(host, "linear", "srm_00000000000000000000000000", "any")
    assert (body["valid"], body["reason"], body["provider"]) == (
        False,
        "binding_not_found",
        "linear",
    )


def test_validate_a_deleted_ref_of_another_provider_is_a_provider_mismatch(
    host: HostHandle,
) -> None:
    # Wrong provider comes first: "use --provider X" is the fix that makes sense.
    deleted = host.seed.DELETED_SEARCH
    body = _validate(host, "github", deleted.binding_ref, deleted.project_uuid)
    assert (body["reason"], body["provider"]) == ("provider_mismatch", "linear")


def test_validate_still_checks_access_first(host: HostHandle) -> None:
    body = {"provider": "linear", "binding_ref": "srm_x", "project_identity": identity("p")}
    assert host.post(VALIDATE, body, role=None).status_code == 401
    assert host.post(VALIDATE, {**body, "provider": "nope"}).status_code == 400
    assert host.post(VALIDATE, {**body, "provider": "azure_devops"}).status_code == 403


# -- status, project-scoped -------------------------------------------------------------------


def _status(host: HostHandle, **params: str) -> Any:
    return host.get(STATUS, params)


def test_status_by_binding_ref(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    response = _status(host, provider="linear", binding_ref=seeded.binding_ref)
    assert response.status_code == 200
    assert response.json() == {
        "provider": "linear",
        "configured": True,
        "connected": True,
        "binding_ref": seeded.binding_ref,
        "display_label": "My Project (LINEAR-123)",
        "provider_context": {"workspace_name": "Acme Corp", "team_name": "Engineering"},
        "project_slug": "my-project",
        "sync_state": "idle",
        "identity_path": {"type": "binding_ref"},
    }


def test_binding_ref_wins_over_project_slug(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    body = _status(
        host, provider="linear", binding_ref=seeded.binding_ref, project_slug="my-project"
    ).json()
    assert body["identity_path"] == {"type": "binding_ref"}


def test_legacy_slug_returns_the_binding_ref_to_upgrade_to(host: HostHandle) -> None:
    legacy = host.seed.LEGACY_BILLING
    body = _status(host, provider="linear", project_slug="billing-service").json()
    assert body["binding_ref"] == legacy.binding_ref
    assert body["display_label"] == "Billing Service (LAB-56)"
    assert body["provider_context"]["workspace_name"] == "Acme Labs"
    assert body["identity_path"] == {"type": "project_slug"}
    assert body["configured"] is True


def test_unresolvable_slug_is_200_with_null_ref(host: HostHandle) -> None:
    response = _status(host, provider="linear", project_slug="never-heard-of-it")
    assert response.status_code == 200
    assert response.json() == {
        "provider": "linear",
        "configured": True,
        "connected": True,
        "binding_ref": None,
        "display_label": None,
        "provider_context": {},
        "project_slug": "never-heard-of-it",
        "sync_state": "not_bound",
        "identity_path": {"type": "project_slug"},
    }


def test_slug_of_a_deleted_mapping_cannot_be_resolved(host: HostHandle) -> None:
    body = _status(host, provider="linear", project_slug="search-indexer").json()
    assert body["binding_ref"] is None


def test_slug_whose_mapping_is_disabled_is_409(host: HostHandle) -> None:
    response = _status(host, provider="jira", project_slug="crm-sync")
    assert (response.status_code, error_code(response)) == (409, "mapping_disabled")


@pytest.mark.parametrize("with_slug", [False, True])
def test_stale_refs_fail_with_their_code_even_with_a_slug(
    host: HostHandle, with_slug: bool
) -> None:
    # The slugs sent are resolvable on their own: the host must not fall back to them.
    extra = {"project_slug": "billing-service"} if with_slug else {}
    deleted = _status(
        host, provider="linear", binding_ref=host.seed.DELETED_SEARCH.binding_ref, **extra
    )
    assert (deleted.status_code, error_code(deleted)) == (404, "binding_not_found")
    unknown = _status(host, provider="linear", binding_ref="srm_NOPE", **extra)
    assert (unknown.status_code, error_code(unknown)) == (404, "binding_not_found")
    extra_jira = {"project_slug": "payments-service"} if with_slug else {}
    disabled = _status(
        host, provider="jira", binding_ref=host.seed.DISABLED_CRM.binding_ref, **extra_jira
    )
    assert (disabled.status_code, error_code(disabled)) == (409, "mapping_disabled")
    for response in (deleted, unknown, disabled):
        # The published spec-kitty CLI detects stale bindings by error_category first.
        assert response.json()["error_category"] == response.json()["error_code"]


def test_ref_with_another_projects_slug_is_project_mismatch(host: HostHandle) -> None:
    response = _status(
        host,
        provider="linear",
        binding_ref=host.seed.MY_PROJECT.binding_ref,
        project_slug="billing-service",
    )
    assert (response.status_code, error_code(response)) == (403, "project_mismatch")
    assert response.json()["error_category"] == "project_mismatch"


def test_ref_disabled_then_deleted_through_dev_controls(host: HostHandle) -> None:
    ref = host.seed.WEB_FRONTEND.binding_ref
    assert _status(host, provider="github", binding_ref=ref).status_code == 200
    assert host.disable(ref)["status"] == "disabled"
    assert error_code(_status(host, provider="github", binding_ref=ref)) == "mapping_disabled"
    assert host.enable(ref)["status"] == "active"
    assert _status(host, provider="github", binding_ref=ref).status_code == 200
    assert host.delete(ref)["status"] == "deleted"
    assert error_code(_status(host, provider="github", binding_ref=ref)) == "binding_not_found"
    # A tombstone cannot come back.
    revived = host.post(f"/api/v1/dev/mappings/{ref}/enable")
    assert revived.status_code == 409


# -- status, installation-wide ------------------------------------------------------------------


def test_installation_wide_status(host: HostHandle) -> None:
    body = _status(host, provider="linear").json()
    assert body["provider"] == "linear"
    assert body["connected"] is True
    assert body["installation_id"] == host.seed.INSTALLATION_IDS["linear"]
    assert body["resource_count"] == 10
    refs = {b["binding_ref"]: b for b in body["bindings"]}
    assert set(refs) == {
        host.seed.MY_PROJECT.binding_ref,
        host.seed.DATA_PIPELINE.binding_ref,
        host.seed.LEGACY_BILLING.binding_ref,
    }
    mine = refs[host.seed.MY_PROJECT.binding_ref]
    assert mine == {
        "binding_ref": host.seed.MY_PROJECT.binding_ref,
        "project_slug": "my-project",
        "project_uuid": host.seed.MY_PROJECT.project_uuid,
        "display_label": "My Project (LINEAR-123)",
        "provider_context": {"workspace_name": "Acme Corp", "team_name": "Engineering"},
        "status": "active",
        "bound_at": host.seed.MY_PROJECT.bound_at,
    }


def test_installation_wide_status_lists_disabled_bindings(host: HostHandle) -> None:
    body = _status(host, provider="jira").json()
    statuses = {b["project_slug"]: b["status"] for b in body["bindings"]}
    assert statuses == {"payments-service": "active", "crm-sync": "disabled"}


def test_empty_routing_keys_mean_installation_wide(host: HostHandle) -> None:
    body = host.get(STATUS, {"provider": "gitlab", "binding_ref": "", "project_slug": ""}).json()
    assert "bindings" in body


# -- mappings -------------------------------------------------------------------------------------


def test_mappings_keep_tombstones(host: HostHandle) -> None:
    body = host.get(MAPPINGS, {"provider": "linear"}).json()
    assert body["provider"] == "linear"
    statuses = {m["binding_ref"]: m["status"] for m in body["mappings"]}
    assert statuses == {
        host.seed.MY_PROJECT.binding_ref: "active",
        host.seed.DATA_PIPELINE.binding_ref: "active",
        host.seed.LEGACY_BILLING.binding_ref: "active",
        host.seed.DELETED_SEARCH.binding_ref: "deleted",
    }
    tomb = next(m for m in body["mappings"] if m["status"] == "deleted")
    assert tomb["project_slug"] == "search-indexer"
    assert tomb["project_uuid"] == host.seed.DELETED_SEARCH.project_uuid
    assert tomb["display_label"] == "Search Service (LAB-34)"
    assert tomb["updated_at"] == host.seed.DELETED_SEARCH.updated_at


def test_every_seed_mapping_is_listed_as_seeded(host: HostHandle) -> None:
    for seeded in host.seed.MAPPINGS:
        listed = {m["binding_ref"]: m for m in host.mappings(seeded.provider)}
        mapping = listed[seeded.binding_ref]
        assert (
            mapping["project_slug"],
            mapping["project_uuid"],
            mapping["status"],
            mapping["display_label"],
            mapping["bound_at"],
        ) == (
            seeded.project_slug,
            seeded.project_uuid,
            seeded.status,
            seeded.display_label,
            seeded.bound_at,
        )


def test_mappings_narrowed_by_routing_key(host: HostHandle) -> None:
    ref = host.seed.DELETED_SEARCH.binding_ref
    by_ref = host.get(MAPPINGS, {"provider": "linear", "binding_ref": ref}).json()["mappings"]
    assert [m["binding_ref"] for m in by_ref] == [ref]
    by_slug = host.get(MAPPINGS, {"provider": "linear", "project_slug": "my-project"}).json()
    assert [m["project_slug"] for m in by_slug["mappings"]] == ["my-project"]


def test_dev_delete_of_unknown_ref_is_404(host: HostHandle) -> None:
    response = host.post("/api/v1/dev/mappings/srm_UNKNOWN/delete")
    assert (response.status_code, error_code(response)) == (404, "binding_not_found")
