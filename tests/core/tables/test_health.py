"""tracker_core.tables.health: one count of binding health per provider × workspace,
the same for the dashboard's Overview, the notebook's overview and chart frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.core.tables.test_views import INVENTORIES, rows
from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_core.tables import frames, health, views


@pytest.fixture
def view() -> pd.DataFrame:
    return views.resource_view(INVENTORIES)


def test_health_counts_per_provider_and_workspace(view: pd.DataFrame, tmp_path: Path) -> None:
    audit = views.repo_view(AuditReport(rows(tmp_path)), [tmp_path])
    counts = health.health_counts(view, audit).set_index(["provider", "workspace"])
    corp = counts.loc[("linear", "Acme Corp")]
    assert (corp["resources"], corp["bound"], corp["available"], corp["repos_bound"]) == (
        2,
        1,
        1,
        1,
    )
    labs = counts.loc[("linear", "Acme Labs")]
    assert (labs["resources"], labs["legacy"], labs["pending_upgrades"], labs["stale"]) == (
        1,
        1,
        1,
        1,
    )
    none = counts.loc[(health.NO_PROVIDER, health.NO_WORKSPACE)]
    assert (none["resources"], none["unbound"], none["misconfigured"], none["repos"]) == (
        0,
        1,
        1,
        2,
    )
    assert list(counts.index.get_level_values(0))[-1] == health.NO_PROVIDER
    per_provider = health.health_counts(view, audit, by_workspace=False).set_index("provider")
    assert (per_provider.loc["linear", "resources"], per_provider.loc["linear", "repos"]) == (3, 3)
    assert set(per_provider["workspace"]) == {""}


def test_health_counts_of_nothing_is_an_empty_table() -> None:
    empty = health.health_counts(views.resource_view([]), views.repo_view(AuditReport([]), None))
    assert list(empty.columns) == list(health.HEALTH_COLUMNS) and len(empty) == 0
    assert len(health.health_long(empty)) == 0


def test_health_long_for_a_stacked_chart(view: pd.DataFrame, tmp_path: Path) -> None:
    audit = views.repo_view(AuditReport(rows(tmp_path)), [tmp_path])
    long = health.health_long(health.health_counts(view, audit))
    assert (long["count"] > 0).all()
    labs = long.loc[(long["group"] == "linear · Acme Labs") & (long["source"] == "repos")]
    assert dict(zip(labs["category"], labs["count"], strict=True)) == {"legacy": 1, "stale": 1}


def test_totals(view: pd.DataFrame, tmp_path: Path) -> None:
    audit = views.repo_view(AuditReport(rows(tmp_path)), [tmp_path])
    t = health.totals(view, audit)
    assert (t.resources, t.bound, t.available) == (4, 1, 3)
    assert (t.repos, t.repos_bound, t.legacy, t.pending_upgrades, t.stale) == (5, 1, 1, 1, 1)
    assert (t.unbound, t.misconfigured, t.conflict) == (1, 1, 0)


def test_raw_frames_and_views_count_alike(view: pd.DataFrame, tmp_path: Path) -> None:
    """The notebook counts the raw frames, the dashboard the cleaned views: same data,
    same table; a repo with a provider but no workspace is under (no workspace)."""
    report = AuditReport([*rows(tmp_path), AuditRow(tmp_path / "orphan", "stale:unknown", "jira")])
    from_views = health.health_counts(view, views.repo_view(report, [tmp_path]))
    from_frames = health.health_counts(
        frames.resources_frame(INVENTORIES), frames.audit_frame(report)
    )
    pd.testing.assert_frame_equal(from_views, from_frames)
    orphan = from_frames.set_index(["provider", "workspace"]).loc[("jira", health.NO_WORKSPACE)]
    assert (orphan["repos"], orphan["stale"], orphan["resources"]) == (1, 1, 0)
    assert from_frames["repos"].sum() == len(report.rows)


def test_health_frame_is_the_long_form_of_the_counts(view: pd.DataFrame, tmp_path: Path) -> None:
    audit = views.repo_view(AuditReport(rows(tmp_path)), [tmp_path])
    long = health.health_frame(view, audit)
    assert list(long.columns) == health.HEALTH_FRAME_COLUMNS
    repos = long.loc[long["source"] == "repos"]
    assert repos["count"].sum() == len(audit)  # misconfigured and provider-less included
    assert (health.NO_PROVIDER, health.NO_WORKSPACE) in set(
        zip(repos["provider"], repos["workspace"], strict=True)
    )
    empty = health.health_frame(frames.resources_frame([]), frames.audit_frame(AuditReport([])))
    assert list(empty.columns) == health.HEALTH_FRAME_COLUMNS and len(empty) == 0
