"""Bind page: resolve → choose → preview → confirm per repo, bulk re-bind of the stale
repos, pending upgrades; checked in the config files, on the host and in the log."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tests.support.activity import logged
from tests.support.person import PERSON
from tests.support.services import make_service
from tracker_core.access.policy import AccessPolicy
from tracker_core.flows.bind_context import PENDING_REF
from tracker_host import seed


def tracker(dash: Dashboard, name: str) -> dict:
    return yaml.safe_load(dash.config(name)).get("tracker") or {}


def active_refs(dash: Dashboard, provider: str, slug: str) -> list[str]:
    return [
        m["binding_ref"]
        for m in dash.host.mappings(provider)
        if m["project_slug"] == slug and m["status"] == "active"
    ]


def log_entries(dash: Dashboard) -> list[dict]:
    return logged(dash.activity_log)


def select_on_bind_page(dash: Dashboard, *names: str, role: str = "admin"):
    at = start(dash, "bind", role)
    pick = at.multiselect(key="bind_pick")
    for name in names:
        pick.select(dash.path(name))
    at.run()
    assert_clean(at)
    return at


def test_bind_an_unbound_repo_to_a_resolved_candidate(dash: Dashboard) -> None:
    before = dash.config("mobile-app")
    at = select_on_bind_page(dash, "mobile-app")
    key = dash.key("mobile-app")
    assert at.button(key=f"bind_{key}").disabled  # nothing chosen yet
    at.button(key=f"resolve_{key}").click().run()
    assert_clean(at)
    candidates = frame_with(at, "confidence", "why")
    assert candidates["resource"].iloc[0] == "Mobile App (LINEAR-789)"
    assert candidates["confidence"].iloc[0] == "high"
    assert "matches the project slug" in candidates["why"].iloc[0]
    at.selectbox(key=f"cand_{key}_linear").select_index(0).run()
    diff = at.code[0].value
    assert "+tracker:" in diff and f'+  binding_ref: "{PENDING_REF}"' in diff
    assert "+  display_label: Mobile App (LINEAR-789)" in diff
    assert "+    workspace_name: Acme Corp" in diff
    assert dash.config("mobile-app") == before  # a preview writes nothing

    at.button(key=f"bind_{key}").click().run()
    assert_clean(at)
    written = tracker(dash, "mobile-app")
    assert written["provider"] == "linear"
    assert written["display_label"] == "Mobile App (LINEAR-789)"
    assert active_refs(dash, "linear", "mobile-app") == [written["binding_ref"]]
    assert dash.config("mobile-app").startswith(before)  # only a tracker: section added
    assert any("bound to Mobile App" in s.value for s in at.success)
    changes = frame_with(at, "result", "new ref")
    assert (
        list(changes["result"]) == ["✓ ok"] and changes["new ref"].iloc[0] == written["binding_ref"]
    )
    (entry,) = log_entries(dash)
    assert (entry["action"], entry["actor"], entry["result"]) == ("bind", PERSON, "ok")
    assert entry["new_ref"] == written["binding_ref"]
    # The pages read fresh data after the change.
    goto(at, "repositories")
    table = frame_with(at, "state_label", "reason").set_index("name")
    assert table.loc["mobile-app", "state_label"] == "● bound"


def test_rebind_a_stale_repo_to_any_resource_from_the_inventory(dash: Dashboard) -> None:
    at = select_on_bind_page(dash, "search-indexer")
    key = dash.key("search-indexer")
    at.selectbox(key=f"src_{key}").set_value("inventory").run()
    resources = at.selectbox(key=f"res_{key}_linear")
    # Only what this project may bind: no resource bound to another project.
    assert not any("My Project" in o or "Data Pipeline" in o for o in resources.options)
    at.text_input(key=f"resfilter_{key}_linear").input("docs").run()
    at.selectbox(key=f"res_{key}_linear").select_index(0).run()
    assert "+  display_label: Docs Site (LAB-67)" in at.code[0].value
    at.button(key=f"bind_{key}").click().run()
    assert_clean(at)
    written = tracker(dash, "search-indexer")
    assert written["display_label"] == "Docs Site (LAB-67)"
    assert written["binding_ref"] != seed.DELETED_SEARCH.binding_ref
    assert active_refs(dash, "linear", "search-indexer") == [written["binding_ref"]]
    (entry,) = log_entries(dash)
    assert (entry["action"], entry["old_ref"]) == ("rebind", seed.DELETED_SEARCH.binding_ref)


def test_bulk_rebind_queues_each_stale_repo_for_a_choice(dash: Dashboard) -> None:
    at = start(dash, "bind")
    stale = [dash.path("crm-sync"), dash.path("search-indexer")]
    assert at.multiselect(key="rebind_pick").value == stale
    at.button(key="rebind_plan").click().run()
    assert_clean(at)
    # Neither project has an active mapping: both wait for a choice, nothing bound yet.
    assert any("0 exact match(es) · 2 waiting for a choice" in c.value for c in at.caption)
    assert at.button(key="rebind_chosen").disabled
    crm = at.selectbox(key=f"queue_{dash.key('crm-sync')}")
    assert crm.options[0] == "1. Legacy CRM (CRM) (medium)"  # its own disabled mapping's resource
    crm.select_index(0)
    at.selectbox(key=f"queue_{dash.key('search-indexer')}").select_index(0)
    at.run()
    at.button(key="rebind_chosen").click().run()
    assert_clean(at)

    crm_written, search_written = tracker(dash, "crm-sync"), tracker(dash, "search-indexer")
    assert crm_written["display_label"] == "Legacy CRM (CRM)"
    assert crm_written["binding_ref"] != seed.DISABLED_CRM.binding_ref
    assert search_written["display_label"] == "Search Service (LAB-34)"
    assert active_refs(dash, "jira", "crm-sync") == [crm_written["binding_ref"]]
    assert active_refs(dash, "linear", "search-indexer") == [search_written["binding_ref"]]
    changes = frame_with(at, "result", "new ref")
    assert sorted(changes["repository"]) == ["crm-sync", "search-indexer"]
    assert set(changes["result"]) == {"✓ ok"}
    assert {e["action"] for e in log_entries(dash)} == {"rebind"}
    # Both are bound now: nothing stale is left to re-bind.
    assert any("No stale repository" in c.value for c in at.caption)
    goto(at, "overview")
    assert {m.label: m.value for m in at.metric}["Stale"] == "0"


def test_bulk_rebind_binds_exact_matches_in_one_go(dash: Dashboard, tmp_path: Path) -> None:
    # search-indexer was re-bound from another clone (same project identity): the host
    # now holds an active mapping for it, so the stale clone is an exact match.
    clone = tmp_path / "clone" / "search-indexer"
    clone.mkdir(parents=True)
    (clone / ".kittify").mkdir()
    original = dash.repos["search-indexer"].path / ".kittify" / "config.yaml"
    project_only = original.read_text().split("vcs:")[0]
    (clone / ".kittify" / "config.yaml").write_text(project_only)
    with make_service(dash.host, policy=AccessPolicy()) as svc:
        elsewhere = svc.bind(clone, "linear", select=1).binding_ref
    at = start(dash, "bind")
    at.button(key="rebind_plan").click().run()
    assert any("1 exact match(es) · 1 waiting for a choice" in c.value for c in at.caption)
    exact = frame_with(at, "stale ref", "new ref")
    assert list(exact["new ref"]) == [elsewhere]
    at.button(key="rebind_exact").click().run()
    assert_clean(at)
    assert tracker(dash, "search-indexer")["binding_ref"] == elsewhere
    assert active_refs(dash, "linear", "search-indexer") == [elsewhere]  # no new mapping
    # crm-sync still waits for its choice; the exact one is done.
    assert any("0 exact match(es) · 1 waiting for a choice" in c.value for c in at.caption)
    assert tracker(dash, "crm-sync")["binding_ref"] == seed.DISABLED_CRM.binding_ref


def test_apply_pending_upgrades(dash: Dashboard) -> None:
    before = tracker(dash, "billing-service")
    assert "binding_ref" not in before
    at = start(dash, "bind")
    upgrades = frame_with(at, "binding ref to write")
    assert list(upgrades["repository"]) == ["billing-service"]
    at.button(key="apply_upgrades").click().run()
    assert_clean(at)
    after = tracker(dash, "billing-service")
    assert after["binding_ref"] == seed.LEGACY_BILLING.binding_ref
    assert after["project_slug"] == "billing-service"
    assert any("No legacy repository has an upgrade pending" in c.value for c in at.caption)
    (entry,) = log_entries(dash)
    assert (entry["action"], entry["actor"], entry["new_ref"]) == (
        "upgrade",
        PERSON,
        seed.LEGACY_BILLING.binding_ref,
    )
    goto(at, "repositories")
    table = frame_with(at, "state_label", "reason").set_index("name")
    assert table.loc["billing-service", "state_label"] == "● bound"


def test_a_failed_bind_changes_no_file_and_says_why(dash: Dashboard, tmp_path: Path) -> None:
    at = select_on_bind_page(dash, "search-indexer")
    key = dash.key("search-indexer")
    at.selectbox(key=f"src_{key}").set_value("inventory").run()
    at.text_input(key=f"resfilter_{key}_linear").input("analytics").run()
    at.selectbox(key=f"res_{key}_linear").select_index(0).run()
    # Meanwhile another project takes that resource.
    other = tmp_path / "other"
    (other / ".kittify").mkdir(parents=True)
    (other / ".kittify" / "config.yaml").write_text(
        "project:\n  uuid: 0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a\n  slug: analytics\n  node_id: x\n"
    )
    with make_service(dash.host) as svc:
        svc.bind(other, "linear", select=1)
    before = dash.config("search-indexer")
    at.button(key=f"bind_{key}").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("search\\-indexer" in e and "already bound" in e for e in errors), errors
    assert dash.config("search-indexer") == before
    assert active_refs(dash, "linear", "search-indexer") == []
    (entry,) = log_entries(dash)
    assert entry["result"] == "failed"
