"""GET resources: the demo installation as a client discovers it."""

from __future__ import annotations

from collections import Counter

from tests.host.util import RESOURCES, resources
from tests.support.host import HostHandle


def test_resource_counts_match_the_seed_per_provider_and_workspace(host: HostHandle) -> None:
    total = 0
    for provider, workspaces in host.seed.RESOURCE_COUNTS.items():
        found = resources(host, provider)
        counted = Counter(r["provider_context"]["workspace_name"] for r in found)
        assert counted == workspaces, provider
        total += len(found)
    assert total == host.seed.RESOURCE_TOTAL == 40


def test_every_resource_has_the_contract_keys_and_a_workspace(host: HostHandle) -> None:
    for provider in host.seed.INSTALLED_PROVIDERS:
        body = host.get(RESOURCES, {"provider": provider}).json()
        assert body["provider"] == provider
        assert body["installation_id"] == host.seed.INSTALLATION_IDS[provider]
        for resource in body["resources"]:
            assert set(resource) == {
                "candidate_token",
                "display_label",
                "provider",
                "provider_context",
                "binding_ref",
                "bound_project_slug",
                "bound_at",
            }
            assert resource["provider"] == provider
            assert resource["provider_context"]["workspace_name"].strip()
            assert resource["provider_context"]["team_name"].strip()


def test_quickstart_linear_workspace(host: HostHandle) -> None:
    acme = [
        r
        for r in resources(host, "linear")
        if r["provider_context"]["workspace_name"] == "Acme Corp"
    ]
    by_label = {r["display_label"]: r for r in acme}
    assert set(by_label) == {
        "My Project (LINEAR-123)",
        "Backend API (LINEAR-456)",
        "Mobile App (LINEAR-789)",
    }
    bound = by_label["My Project (LINEAR-123)"]
    assert bound["binding_ref"] == host.seed.MY_PROJECT.binding_ref
    assert bound["bound_project_slug"] == "my-project"
    assert bound["bound_at"] == host.seed.MY_PROJECT.bound_at
    assert bound["provider_context"] == {"workspace_name": "Acme Corp", "team_name": "Engineering"}
    for label in ("Backend API (LINEAR-456)", "Mobile App (LINEAR-789)"):
        assert by_label[label]["binding_ref"] is None
        assert by_label[label]["bound_project_slug"] is None
        assert by_label[label]["bound_at"] is None


def test_disabled_mapping_still_holds_its_resource(host: HostHandle) -> None:
    crm = next(r for r in resources(host, "jira") if r["display_label"] == "Legacy CRM (CRM)")
    assert crm["binding_ref"] == host.seed.DISABLED_CRM.binding_ref
    assert crm["bound_project_slug"] == "crm-sync"


def test_deleted_mapping_frees_its_resource(host: HostHandle) -> None:
    search = next(
        r for r in resources(host, "linear") if r["display_label"] == "Search Service (LAB-34)"
    )
    assert search["binding_ref"] is None
    assert search["bound_project_slug"] is None


def test_every_listing_issues_fresh_distinct_tokens(host: HostHandle) -> None:
    first = [r["candidate_token"] for r in resources(host, "github")]
    second = [r["candidate_token"] for r in resources(host, "github")]
    assert len(set(first)) == len(first)
    assert not set(first) & set(second)


def test_installation_without_resources_lists_nothing(host: HostHandle) -> None:
    host.load({"installations": [{"provider": "gitlab", "workspaces": []}]})
    body = host.get(RESOURCES, {"provider": "gitlab"}).json()
    assert body["resources"] == []
    assert body["installation_id"]


def test_order_is_workspace_then_label_case_insensitive(host: HostHandle) -> None:
    labels = [r["display_label"] for r in resources(host, "linear")]
    assert labels[:3] == [
        "Backend API (LINEAR-456)",
        "Mobile App (LINEAR-789)",
        "My Project (LINEAR-123)",
    ]
    # "design system" sorts among the capitalised labels, not after them.
    lab = labels[3:]
    assert lab == sorted(lab, key=lambda label: (label.casefold(), label))
    assert lab.index("design system (LAB-45)") < lab.index("Docs Site (LAB-67)")
