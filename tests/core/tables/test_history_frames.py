"""The history's frames: typed columns, every state at every audit in the trend
series (zeros included) with provider and workspace filters, change filters, and the
Overview's day deltas."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker_core.flows.history import Change
from tracker_core.store.records import RepoState, Scope, Snapshot, Total
from tracker_core.tables import health, history_frames

SCOPE = Scope("http://127.0.0.1:1", "acme", ("/r",))
T1, T2 = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)


def snap(i: int, at: datetime, *totals: Total) -> Snapshot:
    repos = sum(t.count for t in totals if t.source == "repos")
    return Snapshot(i, 1, SCOPE, at, "ann", "cli", repos, totals)


SNAPS = [
    snap(
        1,
        T1,
        Total("repos", "linear", "Acme", "bound", 3),
        Total("repos", "jira", "Ops", "stale", 1),
        Total("resources", "linear", "Acme", "available", 5),
    ),
    snap(2, T2, Total("repos", "linear", "Acme", "bound", 2), Total("repos", "", "", "unbound", 1)),
]


def test_trend_series_has_every_state_at_every_audit_and_filters() -> None:
    trends = history_frames.trends_frame(SNAPS)
    assert str(trends["taken_at"].dtype) == "datetime64[ns, UTC]"
    assert health.NO_PROVIDER in set(trends["provider"])
    series = history_frames.trend_series(trends, "repos")
    assert len(series) == 2 * 7  # two audits × every repo state
    at = {(r.snapshot, r.category): r.count for r in series.itertuples()}
    assert (at[1, "bound"], at[1, "stale"], at[2, "stale"], at[2, "unbound"]) == (3, 1, 0, 1)
    linear = history_frames.trend_series(trends, "repos", providers=["linear"])
    assert int(linear["count"].sum()) == 5
    ops = history_frames.trend_series(trends, "repos", workspaces=["Ops"])
    assert int(ops["count"].sum()) == 1
    res = history_frames.trend_series(trends, "resources")
    # every resource state, disabled included, at every audit (zeros too)
    assert set(res["category"]) == {"bound", "disabled", "available"}
    assert int(res["count"].sum()) == 5


def test_history_changes_frames_and_deltas() -> None:
    history = history_frames.history_frame(SNAPS)
    assert list(history["bound"]) == [3, 2] and list(history["resources_available"]) == [5, 0]
    before = RepoState("/r/web", "bound", "linear", "Acme", "srm_1", "Web (W-1)")
    after = RepoState("/r/web", "stale:mapping_deleted", "linear", "Acme", "srm_1", "Web (W-1)")
    gone = RepoState("/r/old", "bound", "jira", "Ops", "srm_2", "Old")
    frame = history_frames.changes_frame(
        [Change("stale", "/r/web", T2, before, after), Change("gone", "/r/old", T2, gone, None)]
    )
    assert list(frame["kind"].cat.categories)[:2] == ["stale", "fixed"]
    assert frame["after_state"].isna().tolist() == [False, True]
    assert len(history_frames.filter_changes(frame, kinds=["gone"])) == 1
    assert len(history_frames.filter_changes(frame, providers=["linear"])) == 1
    assert list(history_frames.filter_changes(frame, text="W-1")["repo"]) == ["/r/web"]

    now = health.Totals(7, 2, 0, 5, 6, 2, 0, 0, 3, 1, 0, 0, 0)
    assert history_frames.deltas(now, None) == {}
    day = history_frames.deltas(now, SNAPS[0])  # 4 repos (3 bound, 1 stale), 5 available
    assert day == {
        "resources": 2,
        "bound": 2,
        "disabled": 0,
        "available": 0,
        "repos": 2,
        "repos_bound": -1,
        "legacy": 0,
        "stale": 2,
        "unbound": 1,
        "misconfigured": 0,
        "conflict": 0,
        "unverified": 0,
    }
