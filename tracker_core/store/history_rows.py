"""Audit history rows: record a snapshot of a scope, and read snapshots and the repo
states at any of them.

Recording runs in one transaction holding the scope's lock (its row ``FOR UPDATE`` on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises all writers), so snapshots of one
scope from concurrent writers are each applied on top of the one before: none is lost
and no repo's stretch of states is cut twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tracker_core.safe_text import clean_text
from tracker_core.store.engine import Store
from tracker_core.store.records import RepoState, Scope, Snapshot, Total
from tracker_core.store.schema import repo_states, scopes, snapshot_totals, snapshots

_CHUNK = 500
_STATE_FIELDS = ("repo", "state", "provider", "workspace", "binding_ref", "display_label")


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _locked_scope_id(conn: Connection, scope: Scope) -> int:
    """The scope's row id (created on first use), locked until the transaction ends."""
    values = {
        "key": scope.key,
        "host": scope.host,
        "team": scope.team,
        "roots": json.dumps(sorted(scope.roots)),
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(scopes).values(values).on_conflict_do_nothing())
    query = select(scopes.c.id).where(scopes.c.key == scope.key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def _state(values: Any) -> RepoState:
    return RepoState(
        **{f: values[f] for f in _STATE_FIELDS},
        since=values.get("since_snapshot"),
        until=values.get("until_snapshot"),
    )


def _open_states(conn: Connection, scope_id: int) -> dict[str, tuple[int, RepoState]]:
    rows = conn.execute(
        select(repo_states.c.id, *(repo_states.c[f] for f in _STATE_FIELDS)).where(
            repo_states.c.scope_id == scope_id, repo_states.c.until_snapshot.is_(None)
        )
    )
    return {row.repo: (row.id, _state(row._mapping)) for row in rows}


def _apply_states(
    conn: Connection, scope_id: int, snap_id: int, states: Sequence[RepoState]
) -> None:
    current = _open_states(conn, scope_id)
    seen: set[str] = set()
    to_close: list[int] = []
    to_open: list[dict[str, Any]] = []
    for state in states:
        if state.repo in seen:
            continue
        seen.add(state.repo)
        before = current.get(state.repo)
        if before is not None and before[1] == state:
            continue
        if before is not None:
            to_close.append(before[0])
        values = {f: getattr(state, f) for f in _STATE_FIELDS}
        to_open.append({**values, "scope_id": scope_id, "since_snapshot": snap_id})
    to_close += [row_id for repo, (row_id, _) in current.items() if repo not in seen]
    for chunk in _chunks(to_close):
        conn.execute(
            update(repo_states)
            .where(repo_states.c.id.in_(list(chunk)))
            .values(until_snapshot=snap_id)
        )
    if to_open:
        conn.execute(insert(repo_states), to_open)


def _forget_before(conn: Connection, scope_id: int, cutoff: datetime) -> None:
    """Retention: snapshots older than ``cutoff`` go, with the stretches of states
    that ended before the oldest snapshot kept."""
    old = select(snapshots.c.id).where(
        snapshots.c.scope_id == scope_id, snapshots.c.taken_at < cutoff
    )
    conn.execute(delete(snapshot_totals).where(snapshot_totals.c.snapshot_id.in_(old)))
    conn.execute(
        delete(snapshots).where(snapshots.c.scope_id == scope_id, snapshots.c.taken_at < cutoff)
    )
    oldest = conn.execute(
        select(func.min(snapshots.c.id)).where(snapshots.c.scope_id == scope_id)
    ).scalar()
    if oldest is not None:
        conn.execute(
            delete(repo_states).where(
                repo_states.c.scope_id == scope_id,
                repo_states.c.until_snapshot.is_not(None),
                repo_states.c.until_snapshot <= oldest,
            )
        )


def record(
    store: Store,
    scope: Scope,
    states: Sequence[RepoState],
    totals: Sequence[Total],
    *,
    actor: str,
    source: str,
    taken_at: datetime,
    keep_days: int,
    min_gap: timedelta | None = None,
) -> Snapshot | None:
    """Save one snapshot of ``scope``. With ``min_gap``, nothing is saved (None) when
    the scope's last snapshot is more recent than that: checked under the lock, so
    two dashboards refreshing at once save one snapshot, not two."""

    def work(conn: Connection) -> Snapshot | None:
        scope_id = _locked_scope_id(conn, scope)
        if min_gap is not None:
            last = conn.execute(
                select(snapshots.c.taken_at)
                .where(snapshots.c.scope_id == scope_id)
                .order_by(snapshots.c.taken_at.desc())
                .limit(1)
            ).scalar()
            if last is not None and taken_at - last < min_gap:
                return None
        who = clean_text(actor, max_len=200)
        snap_id = int(
            conn.execute(
                insert(snapshots).values(
                    scope_id=scope_id,
                    taken_at=taken_at,
                    actor=who,
                    source=source,
                    repos=len({s.repo for s in states}),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        )
        kept = tuple(t for t in totals if t.count > 0)
        if kept:
            conn.execute(
                insert(snapshot_totals),
                [{**t.__dict__, "snapshot_id": snap_id} for t in kept],
            )
        _apply_states(conn, scope_id, snap_id, states)
        _forget_before(conn, scope_id, taken_at - timedelta(days=keep_days))
        repos = len({s.repo for s in states})
        return Snapshot(snap_id, scope_id, scope, taken_at, who, source, repos, kept)

    return store.run(work)


def _scope_filter(host: str | None, team: str | None) -> list[Any]:
    conds: list[Any] = []
    if host:
        conds.append(scopes.c.host == host)
    if team:
        conds.append(scopes.c.team == team)
    return conds


def latest_before(store: Store, scope: Scope, until: datetime) -> Snapshot | None:
    """The newest snapshot of ``scope`` taken before ``until`` (with its totals)."""
    with store.begin() as conn:
        scope_id = conn.execute(select(scopes.c.id).where(scopes.c.key == scope.key)).scalar()
        if scope_id is None:
            return None
        last = conn.execute(
            select(snapshots.c.taken_at)
            .where(snapshots.c.scope_id == scope_id, snapshots.c.taken_at < until)
            .order_by(snapshots.c.taken_at.desc(), snapshots.c.id.desc())
            .limit(1)
        ).scalar()
    if last is None:
        return None
    found = read_snapshots(store, scope_id=scope_id, since=last, until=until)
    return found[-1] if found else None


def read_snapshots(
    store: Store,
    *,
    host: str | None = None,
    team: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    scope_id: int | None = None,
    with_totals: bool = True,
) -> list[Snapshot]:
    """Snapshots (with their totals) oldest first, of the scopes of ``host``/``team``
    (every scope when None), taken in ``[since, until)``."""
    conds = _scope_filter(host, team)
    if since is not None:
        conds.append(snapshots.c.taken_at >= since)
    if until is not None:
        conds.append(snapshots.c.taken_at < until)
    if scope_id is not None:
        conds.append(snapshots.c.scope_id == scope_id)
    join = snapshots.join(scopes, scopes.c.id == snapshots.c.scope_id)
    snap_query = (
        select(snapshots, scopes.c.host, scopes.c.team, scopes.c.roots)
        .select_from(join)
        .where(and_(True, *conds))
        .order_by(snapshots.c.taken_at, snapshots.c.id)
    )
    totals_query = (
        select(
            snapshot_totals.c.snapshot_id,
            snapshot_totals.c.source,
            snapshot_totals.c.provider,
            snapshot_totals.c.workspace,
            snapshot_totals.c.category,
            snapshot_totals.c.count,
        )
        .select_from(snapshot_totals.join(join, snapshots.c.id == snapshot_totals.c.snapshot_id))
        .where(and_(True, *conds))
    )
    with store.begin() as conn:
        rows = conn.execute(snap_query).all()
        by_snapshot: dict[int, list[Total]] = {}
        for snap_id, *values in conn.execute(totals_query) if with_totals else ():
            by_snapshot.setdefault(snap_id, []).append(Total(*values))
    return [
        Snapshot(
            id=r.id,
            scope_id=r.scope_id,
            scope=Scope(r.host, r.team, tuple(json.loads(r.roots))),
            taken_at=r.taken_at,
            actor=r.actor,
            source=r.source,
            repos=r.repos,
            totals=tuple(by_snapshot.get(r.id, ())),
        )
        for r in rows
    ]


def states_at(store: Store, snapshot: Snapshot) -> dict[str, RepoState]:
    """Every repo of the snapshot's scope as that snapshot saw it."""
    query = select(
        *(repo_states.c[f] for f in _STATE_FIELDS),
        repo_states.c.since_snapshot,
        repo_states.c.until_snapshot,
    ).where(
        repo_states.c.scope_id == snapshot.scope_id,
        repo_states.c.since_snapshot <= snapshot.id,
        or_(
            repo_states.c.until_snapshot.is_(None),
            repo_states.c.until_snapshot > snapshot.id,
        ),
    )
    with store.begin() as conn:
        return {row.repo: _state(row._mapping) for row in conn.execute(query)}


def size_in_bytes(store: Store) -> int:
    """What the store takes on disk (SQLite file and its WAL, or the PostgreSQL
    database), for the benchmark."""
    with store.begin() as conn:
        if conn.dialect.name == "postgresql":
            return int(
                conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
            )
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        return int(pages) * int(size)
