"""POST bind-resolve: exact / candidates / none, the ranking and the ordering rule."""

from __future__ import annotations

from typing import Any

from tests.host.util import RESOLVE, identity, resolve
from tests.support.host import HostHandle


def _load(
    host: HostHandle, labels: list[str], mappings: list[dict[str, Any]] | None = None
) -> None:
    host.load(
        {
            "installations": [
                {
                    "provider": "linear",
                    "workspaces": [
                        {
                            "name": "WS",
                            "team_name": "Team",
                            "resources": [
                                {"key": f"K-{n}", "name": label, "display_label": label}
                                for n, label in enumerate(labels)
                            ],
                        }
                    ],
                }
            ],
            "mappings": mappings or [],
        }
    )


def test_bound_project_resolves_to_exact_with_its_binding_ref(host: HostHandle) -> None:
    seeded = host.seed.MY_PROJECT
    body = resolve(host, "linear", identity("renamed-locally", uuid=seeded.project_uuid))
    assert body["match_type"] == "exact"
    assert body["binding_ref"] == seeded.binding_ref
    assert body["display_label"] == "My Project (LINEAR-123)"
    assert body["candidate_token"]
    assert body["candidates"] == []
    assert body["project_slug"] == "my-project"


def test_unbound_project_gets_ranked_candidates(host: HostHandle) -> None:
    project = host.seed.UNBOUND_PROJECT
    body = resolve(host, "linear", identity(project.project_slug, uuid=project.project_uuid))
    assert body["match_type"] == "candidates"
    assert body["binding_ref"] is None
    assert body["candidate_token"] is None
    assert body["display_label"] is None
    first = body["candidates"][0]
    assert first["display_label"] == "Mobile App (LINEAR-789)"
    assert first["confidence"] == "high"
    assert "mobile-app" in first["match_reason"]
    assert [c["sort_position"] for c in body["candidates"]] == list(range(len(body["candidates"])))


def test_resources_bound_to_other_projects_are_not_candidates(host: HostHandle) -> None:
    labels = {c["display_label"] for c in resolve(host, "linear", identity("x"))["candidates"]}
    # Active mappings of other projects (and the legacy one) hold their resources...
    assert "My Project (LINEAR-123)" not in labels
    assert "Data Pipeline (LAB-12)" not in labels
    assert "Billing Service (LAB-56)" not in labels
    # ...the deleted mapping does not.
    assert "Search Service (LAB-34)" in labels
    assert len(labels) == 10 - 3


def test_disabled_mapping_of_another_project_is_not_a_candidate(host: HostHandle) -> None:
    labels = {c["display_label"] for c in resolve(host, "jira", identity("x"))["candidates"]}
    assert "Legacy CRM (CRM)" not in labels
    assert "Payments (PAY)" not in labels


def test_project_with_a_disabled_mapping_may_pick_its_own_resource(host: HostHandle) -> None:
    crm = host.seed.DISABLED_CRM
    body = resolve(host, "jira", identity("crm-sync", uuid=crm.project_uuid))
    assert body["match_type"] == "candidates"
    labels = [c["display_label"] for c in body["candidates"]]
    assert "Legacy CRM (CRM)" in labels
    top = body["candidates"][0]
    assert top["display_label"] == "Legacy CRM (CRM)"
    assert top["confidence"] == "medium"


def test_deleted_project_gets_medium_match_on_shared_word(host: HostHandle) -> None:
    search = host.seed.DELETED_SEARCH
    body = resolve(host, "linear", identity("search-indexer", uuid=search.project_uuid))
    assert body["match_type"] == "candidates"
    top = body["candidates"][0]
    assert (top["display_label"], top["confidence"]) == ("Search Service (LAB-34)", "medium")
    assert "search" in top["match_reason"]


def test_repo_slug_name_gives_high_confidence(host: HostHandle) -> None:
    body = resolve(host, "github", identity("local-name", repo_slug="someone/backend-api"))
    top = body["candidates"][0]
    assert (top["display_label"], top["confidence"]) == ("acme-corp/backend-api", "high")
    assert "backend-api" in top["match_reason"]


def test_key_match_gives_high_confidence(host: HostHandle) -> None:
    body = resolve(host, "jira", identity("pay"))
    top = body["candidates"][0]
    # PAY is bound to payments-service; the key of "Operations (OPS)" matches "ops".
    assert top["confidence"] != "high"
    body = resolve(host, "jira", identity("ops"))
    assert (body["candidates"][0]["display_label"], body["candidates"][0]["confidence"]) == (
        "Operations (OPS)",
        "high",
    )


def test_ordering_confidence_then_label_case_insensitive_then_as_is(host: HostHandle) -> None:
    _load(host, ["beta", "Alpha app", "alpha", "Alpha", "Zeta App", "apple", "Gamma"])
    body = resolve(host, "linear", identity("my-app"))
    ranked = [(c["confidence"], c["display_label"]) for c in body["candidates"]]
    assert ranked == [
        ("medium", "Alpha app"),
        ("medium", "Zeta App"),
        ("low", "Alpha"),
        ("low", "alpha"),
        ("low", "apple"),
        ("low", "beta"),
        ("low", "Gamma"),
    ]


def test_ordering_is_stable_for_a_given_state(host: HostHandle) -> None:
    ident = identity("mobile-app")
    first = [
        (c["display_label"], c["confidence"]) for c in resolve(host, "github", ident)["candidates"]
    ]
    again = [
        (c["display_label"], c["confidence"]) for c in resolve(host, "github", ident)["candidates"]
    ]
    assert first == again


def test_nothing_bindable_is_none(host: HostHandle) -> None:
    _load(
        host,
        ["Only One"],
        [
            {
                "provider": "linear",
                "resource_key": "K-0",
                "project_uuid": "other-project",
                "project_slug": "other",
            }
        ],
    )
    body = resolve(host, "linear", identity("x"))
    assert body == {
        "match_type": "none",
        "candidate_token": None,
        "binding_ref": None,
        "candidates": [],
        "display_label": None,
        "project_slug": None,
    }


def test_unknown_identity_fields_are_accepted(host: HostHandle) -> None:
    ident = identity("mobile-app", build_id="0f01a25a-2fa2-5ebf-8dc3-e23c887d30ce", extra={"a": 1})
    response = host.post(RESOLVE, {"provider": "linear", "project_identity": ident, "more": True})
    assert response.status_code == 200


def test_minimal_identity_is_enough(host: HostHandle) -> None:
    response = host.post(
        RESOLVE, {"provider": "linear", "project_identity": {"uuid": "u-1", "slug": "mobile-app"}}
    )
    assert response.status_code == 200
    assert response.json()["candidates"][0]["confidence"] == "high"
