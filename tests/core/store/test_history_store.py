"""The audit history, on SQLite and on PostgreSQL with the same assertions: a repo's
state is stored only when it changes, changes between snapshots are classified
exactly, totals per snapshot, retention, pacing and concurrent writers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.core.store.processes import run_at_once
from tracker_core.errors import UsageError
from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_core.flows.history import History, parse_kinds, parse_since
from tracker_core.store import history_rows
from tracker_core.store.engine import Store
from tracker_core.store.schema import repo_states

HOST, TEAM, ROOTS = "http://127.0.0.1:1", "acme", [Path("/r")]
DAY0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
CTX = {"workspace_name": "Acme"}


def row(name: str, state: str, ref: str | None = None, provider: str = "linear") -> AuditRow:
    return AuditRow(
        Path(f"/r/{name}"), state, provider, ref, display_label=ref, provider_context=CTX
    )


def record(history: History, rows: list[AuditRow], at: datetime, **kw: object) -> object:
    return history.record(
        AuditReport(rows),
        host=kw.pop("host", HOST),  # type: ignore[arg-type]
        team=kw.pop("team", TEAM),  # type: ignore[arg-type]
        roots=ROOTS,
        actor="ann@acme.example",
        source="cli",
        taken_at=at,
        **kw,  # type: ignore[arg-type]
    )


def stored_rows(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(repo_states)).scalar_one())


FIRST = [
    row("api", "bound", "srm_a"),
    row("billing", "legacy"),
    row("search", "stale:mapping_deleted", "srm_s"),
    row("web", "bound", "srm_w"),
    row("docs", "unbound", provider="jira"),
]
LATER = [
    row("api", "bound", "srm_a2"),  # moved to another resource
    row("billing", "bound", "srm_b"),  # fixed (upgraded)
    # search: gone
    row("web", "stale:mapping_disabled", "srm_w"),  # newly stale
    row("docs", "misconfigured:yaml", provider="jira"),  # changed
    row("mobile", "unbound", provider="github"),  # appeared
]


def test_only_changed_states_are_stored_and_changes_are_exact(store_url: str) -> None:
    store = Store(store_url)
    history = History(store)
    record(history, FIRST, DAY0)
    for day in range(1, 4):  # nothing changes: no new state rows
        record(history, FIRST, DAY0 + timedelta(days=day))
    assert stored_rows(store) == len(FIRST)
    record(history, LATER, DAY0 + timedelta(days=4))
    assert stored_rows(store) == len(FIRST) + 5  # api, billing, web, docs, mobile

    changes = history.changes()
    when = DAY0 + timedelta(days=4)
    assert [(c.kind, Path(c.repo).name, c.at) for c in changes] == [
        ("stale", "web", when),
        ("fixed", "billing", when),
        ("appeared", "mobile", when),
        ("gone", "search", when),
        ("moved", "api", when),
        ("changed", "docs", when),
    ]
    moved = next(c for c in changes if c.kind == "moved")
    assert (moved.before and moved.before.binding_ref, moved.after and moved.after.binding_ref) == (
        "srm_a",
        "srm_a2",
    )
    gone = next(c for c in changes if c.kind == "gone")
    assert gone.after is None and gone.before and gone.before.state == "stale:mapping_deleted"
    # From a date: the snapshot at or before it is the baseline.
    assert history.changes(since=DAY0 + timedelta(days=3, hours=1)) == changes
    assert history.changes(since=DAY0 + timedelta(days=4, hours=1)) == []
    # Before any snapshot: from the first one.
    assert len(history.changes(since=DAY0 - timedelta(days=9))) == len(changes)
    # Another team's scope is not mixed in.
    assert history.changes(team="other") == []


def test_snapshots_carry_totals_per_provider_workspace_and_state(store_url: str) -> None:
    history = History(Store(store_url))
    record(history, FIRST, DAY0)
    record(history, LATER, DAY0 + timedelta(days=1), team="other")
    snaps = history.snapshots(team=TEAM)
    assert len(snaps) == 1
    snap = snaps[0]
    assert (snap.actor, snap.source, snap.repos, snap.scope.roots) == (
        "ann@acme.example",
        "cli",
        5,
        ("/r",),
    )
    assert snap.count("repos", "bound") == 2 and snap.count("repos", "stale") == 1
    assert {(t.provider, t.workspace, t.category, t.count) for t in snap.totals} == {
        ("linear", "Acme", "bound", 2),
        ("linear", "Acme", "legacy", 1),
        ("linear", "Acme", "stale", 1),
        ("jira", "Acme", "unbound", 1),
    }
    assert [s.scope.team for s in history.snapshots()] == [TEAM, "other"]
    assert history.snapshots(since=DAY0 + timedelta(hours=1))[0].scope.team == "other"


def test_retention_drops_old_snapshots_but_keeps_every_state_still_seen(store_url: str) -> None:
    store = Store(store_url)
    history = History(store, keep_days=10)
    for day in range(40):
        rows = [row(f"r{n}", "bound", f"srm_{n}") for n in range(10)]
        rows[day % 10] = row(f"r{day % 10}", "stale:mapping_deleted", f"srm_{day % 10}")
        record(history, rows, DAY0 + timedelta(days=day))
    snaps = history.snapshots()
    assert len(snaps) == 11  # today and the 10 days before
    assert snaps[0].taken_at == DAY0 + timedelta(days=29)
    oldest = history_rows.states_at(store, snaps[0])
    assert len(oldest) == 10 and oldest["/r/r9"].state == "stale:mapping_deleted"
    assert stored_rows(store) <= 10 + 2 * 11  # the stretches ended before are gone


def test_paced_recording_keeps_one_snapshot_per_interval(store_url: str) -> None:
    history = History(Store(store_url), record_every=timedelta(minutes=60))
    assert record(history, FIRST, DAY0, paced=True) is not None
    assert record(history, LATER, DAY0 + timedelta(minutes=59), paced=True) is None
    assert record(history, LATER, DAY0 + timedelta(minutes=61), paced=True) is not None
    assert len(history.snapshots()) == 2


def test_concurrent_recorders_lose_no_snapshot_and_keep_states_consistent(
    store_url: str,
) -> None:
    History(Store(store_url)).snapshots()  # migrate first: the writers then only record
    run_at_once("history_writer.py", [[store_url, f"w{i}", "6"] for i in range(3)])
    store = Store(store_url)
    snaps = History(store).snapshots()
    assert len(snaps) == 18 and sorted({s.actor for s in snaps}) == ["w0", "w1", "w2"]
    for snap in snaps:
        states = history_rows.states_at(store, snap)
        # Each snapshot sees exactly what its writer recorded: the 20 shared repos and
        # its own one, each in exactly one stretch of states.
        assert sorted(r for r in states if r.startswith("/r/w")) == [f"/r/{snap.actor}"]
        assert len(states) == 21 == valid_rows_at(store, snap.id)
    changes = History(store).changes()
    assert {c.kind for c in changes} <= {"appeared", "gone", "stale", "fixed", "changed"}


def valid_rows_at(store: Store, snapshot_id: int) -> int:
    query = select(func.count()).where(
        repo_states.c.since_snapshot <= snapshot_id,
        (repo_states.c.until_snapshot.is_(None)) | (repo_states.c.until_snapshot > snapshot_id),
    )
    with store.begin() as conn:
        return int(conn.execute(query).scalar_one())


def test_since_and_kinds_parse_or_explain() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert parse_since("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_since("7d", now=now) == now - timedelta(days=7)
    assert parse_since("2026-12-01T10:00:00+02:00") == datetime(2026, 12, 1, 8, tzinfo=UTC)
    with pytest.raises(UsageError, match="not a date"):
        parse_since("last tuesday")
    assert parse_kinds("stale, gone") == ["stale", "gone"]
    with pytest.raises(UsageError, match="unknown change kind broken"):
        parse_kinds("stale,broken")
