"""Overview and sidebar, as an admin and as a viewer, against the demo installation."""

from __future__ import annotations

import shutil

import pytest

from tests.dashboard.conftest import Dashboard, frame_with, start, texts
from tests.support.person import PERSON


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_overview_counts_resources_and_repos_by_state(dash: Dashboard, role: str) -> None:
    at = start(dash, role=role)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Resources": "40",
        "Bound": "6",  # active mappings only
        "Disabled": "1",  # the disabled mapping still holds its resource: not bound, not free
        "Available": "33",
        "Bound repos": "1",
        "Stale": "2",
        "Legacy": "1",
        "Unbound": "1",
        "Misconfigured": "1",
    }
    legacy = next(m for m in at.metric if m.label == "Legacy")
    assert legacy.proto.delta == "1 pending"


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_overview_connectivity_names_the_missing_installation(dash: Dashboard, role: str) -> None:
    at = start(dash, role=role)
    health = frame_with(at, "connection", "guidance")
    by_provider = health.set_index("provider")
    assert by_provider.loc["linear", "connection"] == "● connected"
    assert by_provider.loc["linear", "resources"] == 10
    assert by_provider.loc["azure_devops", "connection"] == "○ not installed"
    assert "connect the azure_devops tracker" in by_provider.loc["azure_devops", "guidance"]
    warnings = [w.value for w in at.warning]
    assert any("azure" in w and "SaaS dashboard" in w for w in warnings), warnings


def test_overview_counts_per_provider_and_per_workspace(dash: Dashboard) -> None:
    at = start(dash)
    tables = [df.value for df in at.dataframe if "pending_upgrades" in df.value.columns]
    by_provider, by_workspace = tables
    assert "workspace" not in by_provider.columns
    linear = by_provider.set_index("provider").loc["linear"]
    assert (linear["resources"], linear["bound"], linear["available"]) == (10, 3, 7)
    # my-project (bound), billing-service (legacy, upgrade pending), search-indexer (stale)
    assert (linear["repos"], linear["repos_bound"], linear["legacy"], linear["stale"]) == (
        3,
        1,
        1,
        1,
    )
    assert linear["pending_upgrades"] == 1
    jira = by_provider.set_index("provider").loc["jira"]
    assert (jira["resources"], jira["stale"]) == (10, 1)
    # Repos with no tracker section or a broken file have no provider: listed last.
    assert by_provider["provider"].iloc[-1] == "(no provider)"
    none = by_provider.set_index("provider").loc["(no provider)"]
    assert (none["unbound"], none["misconfigured"]) == (1, 1)

    labs = by_workspace.set_index(["provider", "workspace"]).loc[("linear", "Acme Labs")]
    assert (labs["resources"], labs["bound"], labs["legacy"], labs["stale"]) == (7, 2, 1, 1)
    assert len(by_workspace) == 9  # 8 workspaces of the seed and the repos without one


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_sidebar_shows_host_team_role_roots_and_refresh(dash: Dashboard, role: str) -> None:
    at = start(dash, role=role)
    side = " | ".join(texts(at.sidebar))
    assert dash.host.url in side
    assert "Team: acme" in side
    assert PERSON in side  # the person acting, whichever token the role uses
    assert str(dash.root) in side
    assert "Read at" in side
    badges = " ".join(m.value for m in at.sidebar.markdown)
    assert ("admin" if role == "admin" else "viewer: read-only") in badges
    assert any("4 of 5 providers connected" in s.value for s in at.sidebar.success)
    refresh = at.sidebar.button(key="refresh")
    assert not refresh.disabled  # a viewer may refresh too: it only reads


def test_conflicting_repos_are_called_out(dash: Dashboard) -> None:
    # Another repo (its own origin) whose .kittify/ was copied from my-project claims
    # the same binding and project uuid: two different projects, a true conflict.
    copy = dash.root / "my-project-copy"
    shutil.copytree(dash.repos["my-project"].path, copy)
    git_config = copy / ".git" / "config"
    text = git_config.read_text()
    assert "my-project.git" in text
    git_config.write_text(text.replace("my-project.git", "template-user.git"))
    at = start(dash)
    assert {m.label: m.value for m in at.metric}["Bound repos"] == "0"
    assert any("2 repo(s) in conflict" in w.value for w in at.warning)


def test_overview_opens_with_what_needs_attention_and_its_fix(dash: Dashboard) -> None:
    at = start(dash)
    assert at.subheader[0].value == "Needs attention"  # before the counts
    fixes = {c.value for c in at.code}
    search = dash.path("search-indexer")
    # Stale: the exact command for this repo, runnable from anywhere.
    assert f"sk-tracker bind --provider linear --repo {search}" in fixes
    assert f"sk-tracker bind --provider jira --repo {dash.path('crm-sync')}" in fixes
    assert "sk-tracker audit --apply-upgrades" in fixes  # legacy
    assert any(f.startswith("fix the file by hand") for f in fixes)  # misconfigured
    # Each item names its repo and state; my-project is bound and not listed.
    items = " ".join(texts(at))
    for name in ("search-indexer", "crm-sync", "billing-service", "mobile-app", "broken-config"):
        assert name in items
    assert "my-project" not in items
    assert any("Bind page: Resolve" in c.value for c in at.caption)


def test_a_second_checkout_of_one_project_is_no_conflict(dash: Dashboard) -> None:
    # A plain copy keeps the origin: one project checked out twice, both bound.
    shutil.copytree(dash.repos["my-project"].path, dash.root / "my-project-copy")
    at = start(dash)
    assert {m.label: m.value for m in at.metric}["Bound repos"] == "2"
    assert not any("in conflict" in w.value for w in at.warning)
