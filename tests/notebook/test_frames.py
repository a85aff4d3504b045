"""Workspace frames: pinned columns and dtypes, what they hold for the demo, and
empty installations or folders giving empty frames with the same columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.support.host import HostHandle
from tracker_core.errors import UsageError
from tracker_core.tables.frames import (
    AUDIT_COLUMNS,
    BINDING_COLUMNS,
    PROVIDER_COLUMNS,
    RESOURCE_COLUMNS,
    UNCLAIMED_COLUMNS,
)
from tracker_core.tables.health import HEALTH_COLUMNS
from tracker_core.tables.notebook import (
    CANDIDATE_COLUMNS,
    UPGRADE_COLUMNS,
    Workspace,
    connect,
)
from tracker_host.demo_repos import DemoRepo


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


def by_name(demo: list[DemoRepo]) -> dict[str, DemoRepo]:
    return {r.name: r for r in demo}


def test_demo_frames_have_pinned_columns_and_dtypes(
    workspace: Workspace, demo: list[DemoRepo]
) -> None:
    resources = workspace.resources()
    assert dtypes(resources) == RESOURCE_COLUMNS
    assert len(resources) == 40
    assert set(resources["provider"]) == {"linear", "jira", "github", "gitlab"}

    providers = workspace.providers()
    assert dtypes(providers) == PROVIDER_COLUMNS
    azure = providers[providers["provider"] == "azure_devops"].iloc[0]
    assert not azure["connected"] and "SaaS dashboard" in azure["detail"]

    assert dtypes(workspace.bindings()) == BINDING_COLUMNS

    audit = workspace.audit()
    assert dtypes(audit) == AUDIT_COLUMNS
    assert dict(zip(audit["name"], audit["kind"], strict=True)) == {
        "my-project": "bound",
        "billing-service": "legacy",
        "search-indexer": "stale",
        "crm-sync": "stale",
        "mobile-app": "unbound",
        "broken-config": "misconfigured",
    }

    stale = workspace.stale()
    assert dtypes(stale) == AUDIT_COLUMNS
    assert sorted(stale["name"]) == ["crm-sync", "search-indexer"]
    assert list(stale.index) == [0, 1]  # positional access works after filtering

    pending = workspace.pending_upgrades()
    assert dtypes(pending) == AUDIT_COLUMNS
    assert list(pending["name"]) == ["billing-service"]
    assert pending["pending_ref"].iloc[0] == by_name(demo)["billing-service"].binding_ref

    unclaimed = workspace.unclaimed()
    assert dtypes(unclaimed) == UNCLAIMED_COLUMNS
    assert "Payments (PAY)" in set(unclaimed["display_label"])

    repo = by_name(demo)["mobile-app"].path
    candidates = workspace.candidates(repo, "linear")
    assert dtypes(candidates) == CANDIDATE_COLUMNS
    assert candidates["number"].tolist() == list(range(1, len(candidates) + 1))
    assert candidates.iloc[0]["display_label"] == "Mobile App (LINEAR-789)"
    assert candidates.iloc[0]["confidence"] == "high"


def test_overview_counts_resources_and_repos_per_workspace(workspace: Workspace) -> None:
    overview = workspace.overview()
    assert dtypes(overview) == HEALTH_COLUMNS
    resources = workspace.resources()
    assert overview["resources"].sum() == len(resources)
    assert overview["bound"].sum() == (resources["status"] == "bound").sum()
    assert overview["disabled"].sum() == (resources["status"] == "disabled").sum() == 1
    parts = overview["bound"] + overview["disabled"] + overview["available"]
    assert (overview["resources"] == parts).all()
    row = overview.set_index(["provider", "workspace"]).loc[("linear", "Acme Labs")]
    # billing-service (legacy) and search-indexer (stale) live in that workspace
    assert (row["legacy"], row["stale"], row["repos"]) == (1, 1, 2)
    jira = overview.set_index(["provider", "workspace"]).loc[("jira", "Acme Jira Cloud")]
    assert jira["stale"] == 1


def test_overview_without_repo_roots_counts_resources_only(
    nb_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SK_TRACKER_REPO_ROOTS")
    with connect() as ws:
        overview = ws.overview()
        assert dtypes(overview) == HEALTH_COLUMNS
        assert overview["resources"].sum() == 40 and overview["repos"].sum() == 0
        with pytest.raises(UsageError, match="SK_TRACKER_REPO_ROOTS"):
            ws.audit()


def test_apply_upgrades_frame(workspace: Workspace, demo: list[DemoRepo]) -> None:
    result = workspace.apply_upgrades()
    assert dtypes(result) == UPGRADE_COLUMNS
    assert list(result["name"]) == ["billing-service"] and result["ok"].all()
    assert workspace.pending_upgrades().empty
    billing = workspace.audit().set_index("name").loc["billing-service"]
    assert billing["kind"] == "bound"
    assert billing["binding_ref"] == by_name(demo)["billing-service"].binding_ref


def assert_all_empty(ws: Workspace, roots: Path) -> None:
    expected = {
        "resources": (ws.resources(), RESOURCE_COLUMNS),
        "bindings": (ws.bindings(), BINDING_COLUMNS),
        "audit": (ws.audit(roots), AUDIT_COLUMNS),
        "stale": (ws.stale(roots), AUDIT_COLUMNS),
        "pending": (ws.pending_upgrades(roots), AUDIT_COLUMNS),
        "unclaimed": (ws.unclaimed(roots), UNCLAIMED_COLUMNS),
        "overview": (ws.overview(roots), HEALTH_COLUMNS),
        "upgrades": (ws.apply_upgrades(roots), UPGRADE_COLUMNS),
    }
    for name, (frame, columns) in expected.items():
        assert frame.empty, name
        assert dtypes(frame) == columns, name


def test_empty_host_and_empty_folder_give_empty_frames(
    host: HostHandle, nb_env: dict[str, str], tmp_path: Path
) -> None:
    host.reset("empty")
    empty = tmp_path / "no-repos"
    empty.mkdir()
    with connect() as ws:
        assert_all_empty(ws, empty)
        providers = ws.providers()
        assert dtypes(providers) == PROVIDER_COLUMNS
        assert not providers["connected"].any()


def test_installation_without_resources_gives_empty_frames(
    host: HostHandle, nb_env: dict[str, str], tmp_path: Path
) -> None:
    host.load({"installations": [{"provider": "linear", "workspaces": []}], "mappings": []})
    empty = tmp_path / "no-repos"
    empty.mkdir()
    with connect() as ws:
        assert_all_empty(ws, empty)
        linear = ws.providers().set_index("provider").loc["linear"]
        assert linear["connected"] and linear["resources"] == 0


def test_roots_argument_and_bad_roots(workspace: Workspace, repos_root: Path) -> None:
    assert len(workspace.audit(str(repos_root))) == 6
    assert len(workspace.audit([repos_root])) == 6
    with pytest.raises(UsageError, match="is not a folder"):
        workspace.audit(repos_root / "missing")


def test_audit_frame_names_repos_by_their_path_under_the_root(
    workspace: Workspace, tmp_path: Path
) -> None:
    from tests.support.layouts import build_layout

    layout = build_layout(tmp_path / "layout")
    frame = workspace.audit([layout.root]).set_index("name")
    assert dtypes(frame.reset_index()) == AUDIT_COLUMNS
    assert sorted(frame.index) == sorted(layout.names)
    assert frame.loc["web-frontend/.worktrees/checkout-lane-a", "worktree_of"] == "web-frontend"
    assert frame.loc["team/b/data-pipeline", "also_at"] == "team/a/data-pipeline"
    assert frame.loc["copycat", "kind"] == "conflict"
    assert not frame.loc["web-frontend-hotfix", "needs_action"]
