"""Repositories page: the audit of every repo under the roots, unclaimed host
mappings, and the selection that carries over to the Bind page."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from tests.dashboard.conftest import Dashboard, assert_clean, frame_with, goto, start
from tracker_host import seed


def repos_table(at) -> pd.DataFrame:
    return frame_with(at, "state_label", "reason", "guidance").set_index("name")


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_every_repo_with_state_reason_and_guidance(dash: Dashboard, role: str) -> None:
    at = start(dash, "repositories", role)
    table = repos_table(at)
    assert dict(table["state_label"]) == {
        "billing-service": "◐ legacy",
        "broken-config": "⚠ misconfigured  unparseable",
        "crm-sync": "✕ stale  mapping_disabled",
        "mobile-app": "○ unbound",
        "my-project": "● bound",
        "search-indexer": "✕ stale  mapping_deleted",
    }
    assert seed.LEGACY_BILLING.binding_ref in table.loc["billing-service", "reason"]
    assert "apply" in table.loc["billing-service", "guidance"]
    assert "deleted" in table.loc["search-indexer", "reason"]
    assert "sk-tracker bind --provider linear" in table.loc["search-indexer", "guidance"]
    assert "never overwrites" in table.loc["broken-config", "guidance"]
    assert table.loc["my-project", "binding_ref"] == seed.MY_PROJECT.binding_ref
    assert "writable" not in table  # checked for the repos selected or exported only
    exported = pd.read_csv(io.BytesIO(dash.download("repositories.csv")))
    assert len(exported) == len(dash.repos)
    assert exported["writable"].all()  # the roots are the allowed roots
    assert table.loc["my-project", "repo"] == dash.path("my-project")


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_unclaimed_host_mappings_listed_separately(dash: Dashboard, role: str) -> None:
    at = start(dash, "repositories", role)
    unclaimed = frame_with(at, "project_slug", "binding_ref", "status")
    assert sorted(unclaimed["binding_ref"]) == sorted(
        m.binding_ref
        for m in (seed.DATA_PIPELINE, seed.PAYMENTS, seed.WEB_FRONTEND, seed.INFRA_TOOLS)
    )
    assert "state_label" not in unclaimed.columns


def test_state_filter_and_search(dash: Dashboard) -> None:
    at = start(dash, "repositories")
    at.multiselect(key="repo_kinds").set_value(["stale"]).run()
    assert sorted(repos_table(at).index) == ["crm-sync", "search-indexer"]
    at.text_input(key="repo_text").input("JIRA").run()
    assert list(repos_table(at).index) == ["crm-sync"]


def test_csv_download_of_the_shown_repos(dash: Dashboard) -> None:
    at = start(dash, "repositories", "viewer")
    at.multiselect(key="repo_kinds").set_value(["stale", "legacy"]).run()
    exported = pd.read_csv(io.BytesIO(dash.download("repositories.csv")))
    assert sorted(exported["name"]) == ["billing-service", "crm-sync", "search-indexer"]
    assert list(exported.columns)[:3] == ["state_label", "name", "provider"]


def test_selection_carries_over_to_the_bind_page(dash: Dashboard) -> None:
    at = start(dash, "repositories")
    pick = at.multiselect(key="repo_pick")
    pick.select(dash.path("search-indexer")).select(dash.path("crm-sync")).run()
    assert_clean(at)
    # The table shows the same selection (its rows, in table order).
    state = at.session_state["repos_table"]["selection"]["rows"]
    names = list(repos_table(at).index)
    assert sorted(names[i] for i in state) == ["crm-sync", "search-indexer"]
    goto(at, "bind")
    assert at.multiselect(key="bind_pick").value == [
        dash.path("search-indexer"),
        dash.path("crm-sync"),
    ]
    # One panel per selected repo, each with its own controls.
    assert at.button(key=f"resolve_{dash.key('search-indexer')}")
    assert at.button(key=f"resolve_{dash.key('crm-sync')}")
    # ...and back: the Repositories page still has them selected.
    goto(at, "repositories")
    assert at.multiselect(key="repo_pick").value == [
        dash.path("search-indexer"),
        dash.path("crm-sync"),
    ]


def test_select_all_needing_action(dash: Dashboard) -> None:
    at = start(dash, "repositories")
    at.button(key="select_needing_action").click().run()
    assert_clean(at)
    chosen = {Path(p).name for p in at.multiselect(key="repo_pick").value}
    assert chosen == {
        "billing-service",
        "broken-config",
        "crm-sync",
        "mobile-app",
        "search-indexer",
    }
    at.button(key="clear_selection").click().run()
    assert at.multiselect(key="repo_pick").value == []


def test_a_selected_repo_shows_its_whole_reason_and_guidance(dash: Dashboard) -> None:
    at = start(dash, "repositories")
    broken = dash.path("broken-config")
    at.multiselect(key="repo_pick").select(broken).run()
    assert_clean(at)
    row = repos_table(at).loc["broken-config"]
    shown = [t.value for t in at.text]
    # Every character of the reason and guidance, however long, and the full path.
    assert f"Reason: {row['reason']}" in shown
    assert f"Guidance: {row['guidance']}" in shown
    assert any(broken in t for t in shown)
    assert len(row["reason"]) > 60  # longer than the table's column shows


def test_a_selected_repo_shows_the_binding_the_table_leaves_out(dash: Dashboard) -> None:
    """The table keeps to what fits a 1280 px window; the panel of a selected repo
    names its binding, workspace, slug and whether a write may go there."""
    at = start(dash, "repositories")
    at.multiselect(key="repo_pick").select(dash.path("my-project")).run()
    assert_clean(at)
    panel = next(t.value for t in at.text if t.value.startswith("Bound to: "))
    assert panel.splitlines() == [
        "Bound to: My Project (LINEAR-123)",
        "Workspace: Acme Corp",
        "Project slug: my-project",
        f"Binding ref: {seed.MY_PROJECT.binding_ref}",
        "Writable here: yes",
    ]
