"""tracker_core.tables.views: the dashboard's tables, computed from discovery and audits."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from tracker_core.errors import HostUnavailableError
from tracker_core.flows.activity import ActivityEntry
from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_core.flows.discovery import ProviderInventory
from tracker_core.host.wire import Resource
from tracker_core.safe_text import clean_text
from tracker_core.tables import views


def res(
    label: str, workspace: str, *, bound: str | None = None, provider: str = "linear"
) -> Resource:
    return Resource(
        candidate_token=f"ct_{label}",
        display_label=label,
        provider=provider,
        provider_context={"workspace_name": workspace, "team_name": "Team", "extra": "kept"},
        binding_ref=f"srm_{label}" if bound else None,
        bound_project_slug=bound,
        bound_at=datetime(2025, 1, 2, tzinfo=UTC) if bound else None,
    )


INVENTORIES = [
    ProviderInventory(
        "linear",
        True,
        (
            res("Alpha", "Acme Corp", bound="alpha-app"),
            res("Beta", "Acme Corp"),
            res("Gamma Labs", "Acme Labs"),
        ),
    ),
    ProviderInventory("jira", True, (res("PAY", "Jira Cloud", provider="jira"),)),
    ProviderInventory("azure_devops", False, error="no azure_devops installation: connect it"),
    ProviderInventory(
        "gitlab", False, error="host unavailable", failure=HostUnavailableError("host unavailable")
    ),
]


def rows(tmp_path: Path) -> list[AuditRow]:
    return [
        AuditRow(
            tmp_path / "alpha",
            "bound",
            "linear",
            "srm_Alpha",
            provider_context={"workspace_name": "Acme Corp"},
        ),
        AuditRow(
            tmp_path / "legacy",
            "legacy",
            "linear",
            None,
            "legacy-app",
            pending_ref="srm_L",
            provider_context={"workspace_name": "Acme Labs"},
        ),
        AuditRow(
            tmp_path / "gone",
            "stale:mapping_deleted",
            "linear",
            "srm_gone",
            provider_context={"workspace_name": "Acme Labs"},
        ),
        AuditRow(tmp_path / "new", "unbound"),
        AuditRow(tmp_path / "broken", "misconfigured:unparseable", reason="invalid YAML"),
    ]


@pytest.fixture
def view() -> pd.DataFrame:
    return views.resource_view(INVENTORIES)


def test_resource_view_has_status_pills_and_the_resource_to_bind(view: pd.DataFrame) -> None:
    assert list(view["state"]) == ["● bound", "○ available", "○ available", "○ available"]
    assert list(view["provider"]) == ["linear", "linear", "linear", "jira"]
    first = views.resource_at(view, view.index[0])
    assert first.candidate_token == "ct_Alpha"
    assert first.provider_context["extra"] == "kept"  # everything the host sent


def test_filters_combine_and_text_is_case_insensitive(view: pd.DataFrame) -> None:
    assert len(views.filter_resources(view)) == 4
    assert list(views.filter_resources(view, providers=["jira"])["display_label"]) == ["PAY"]
    assert len(views.filter_resources(view, workspaces=["Acme Corp"])) == 2
    assert list(views.filter_resources(view, status="bound")["display_label"]) == ["Alpha"]
    assert list(views.filter_resources(view, text="  LABS ")["display_label"]) == ["Gamma Labs"]
    assert list(views.filter_resources(view, text="alpha-app")["display_label"]) == ["Alpha"]
    assert (
        len(
            views.filter_resources(view, providers=["linear"], status="available", text="acme corp")
        )
        == 1
    )
    assert len(views.filter_resources(view, text="nothing like it")) == 0


def test_text_search_does_not_match_across_columns(view: pd.DataFrame) -> None:
    # "corp" ends one column and "team" starts the next: no match across the gap.
    assert len(views.filter_resources(view, text="corpteam")) == 0
    assert len(views.filter_resources(view, text="corp team")) == 0


def test_workspace_options_follow_the_provider_filter(view: pd.DataFrame) -> None:
    assert views.workspace_options(view) == ["Acme Corp", "Acme Labs", "Jira Cloud"]
    assert views.workspace_options(view, ["jira"]) == ["Jira Cloud"]


def test_host_text_is_cleaned_of_escapes_and_invisible_characters() -> None:
    hostile = res("Evil\x1b[31m red\u202e rtl\u200b [x](https://e.example)", "W\x07s")
    frame = views.resource_view([ProviderInventory("linear", True, (hostile,))])
    assert frame["display_label"].iloc[0] == "Evil red rtl [x](https://e.example)"
    assert frame["workspace"].iloc[0] == "Ws"
    # The resource to bind keeps the host's own text (it is sent back, never shown).
    assert views.resource_at(frame, 0).display_label == hostile.display_label


# Characters an older, table-only rule kept: Arabic letter mark, line separator, soft
# hyphen, tag characters, NEL, and a newline that must not split a cell's line.
SNEAKY = [
    "pay\u061croll",
    "line\u2028break",
    "soft\u00adhyphen",
    "tag\U000e0041\U000e0042ged",
    "next\x85line",
    "two\nlines",
    "\u2066isolated\u2069 text",
]


@pytest.mark.parametrize("text", SNEAKY)
def test_tables_clean_host_text_exactly_as_every_other_face(text: str) -> None:
    frame = views.resource_view([ProviderInventory("linear", True, (res(text, text),))])
    assert frame["display_label"].iloc[0] == clean_text(text)
    assert frame["workspace"].iloc[0] == clean_text(text)
    assert not any(c in frame["display_label"].iloc[0] for c in "\u061c\u2028\u00ad\n\x85")


def test_bindable_resources_are_free_or_the_projects_own(view: pd.DataFrame) -> None:
    assert list(views.bindable_resources(view, "linear", None)["display_label"]) == [
        "Beta",
        "Gamma Labs",
    ]
    mine = views.bindable_resources(view, "linear", "alpha-app")
    assert list(mine["display_label"]) == ["Alpha", "Beta", "Gamma Labs"]
    assert list(views.bindable_resources(view, "github", None)["display_label"]) == []


def test_context_for_label(view: pd.DataFrame) -> None:
    assert views.context_for_label(view, "linear", "Beta")["workspace_name"] == "Acme Corp"
    assert views.context_for_label(view, "jira", "Beta") == {}


def test_provider_health_tells_not_installed_from_unreachable() -> None:
    health = views.provider_health(INVENTORIES).set_index("provider")
    assert health.loc["linear", "connection"] == "● connected"
    assert (health.loc["linear", "bound"], health.loc["linear", "available"]) == (1, 2)
    assert health.loc["azure_devops", "connection"] == "○ not installed"
    assert "connect it" in health.loc["azure_devops", "guidance"]
    assert health.loc["gitlab", "connection"] == "✕ unreachable"


def test_repo_view_pills_and_writability(tmp_path: Path) -> None:
    report = AuditReport(rows(tmp_path))
    inside = views.repo_view(report, [tmp_path])
    assert list(inside["state_label"]) == [
        "● bound",
        "◐ legacy",
        "✕ stale  mapping_deleted",
        "○ unbound",
        "⚠ misconfigured  unparseable",
    ]
    assert inside["writable"].all()
    elsewhere = views.repo_view(report, [tmp_path / "elsewhere"])
    assert not elsewhere["writable"].any()
    assert not views.repo_view(report, [])["writable"].any()  # no allowed roots: no writes
    assert len(views.repo_view(AuditReport([]), [tmp_path])) == 0


def test_filter_repos(tmp_path: Path) -> None:
    frame = views.repo_view(AuditReport(rows(tmp_path)), [tmp_path])
    assert list(views.filter_repos(frame, ["stale", "legacy"])["name"]) == ["legacy", "gone"]
    assert list(views.filter_repos(frame, text="YAML")["name"]) == ["broken"]


def test_activity_frame_and_csv_without_formulas() -> None:
    entries = [
        ActivityEntry(
            "2025-01-02T03:04:05+00:00",
            '=HYPERLINK("x")',
            "bind",
            "/r",
            "linear",
            None,
            "srm_1",
            "ok",
            "@SUM(1)",
        ),
    ]
    frame = views.activity_frame(entries)
    assert frame["at"].iloc[0] == pd.Timestamp("2025-01-02T03:04:05Z")
    csv = pd.read_csv(io.BytesIO(views.csv_bytes(frame, ["actor", "new_ref", "detail"])))
    assert list(csv.columns) == ["actor", "new_ref", "detail"]
    assert csv["actor"].iloc[0] == '\'=HYPERLINK("x")'
    assert csv["detail"].iloc[0] == "'@SUM(1)"
    assert csv["new_ref"].iloc[0] == "srm_1"
