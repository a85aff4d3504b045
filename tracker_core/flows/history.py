"""Audit history: binding health over time, and what changed since a date.

An audit is recorded as a snapshot of its scope (host, team, repo roots): per-repo
states, stored only when they change, plus counts per provider × workspace × state
and the host's resources bound and available. ``changes`` compares the snapshot at a
date with the newest one, repo by repo.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tracker_core.access.settings import Settings
from tracker_core.errors import UsageError
from tracker_core.flows.audit import AuditReport
from tracker_core.flows.discovery import ProviderInventory
from tracker_core.remote.urls import is_remote
from tracker_core.store.records import RepoState, Scope, Snapshot, Total

if TYPE_CHECKING:
    from tracker_core.store.engine import Store

# What happened to a repo between two snapshots.
CHANGE_KINDS = ("stale", "fixed", "appeared", "gone", "moved", "changed")
SOURCES = ("cli", "dashboard", "notebook")


@dataclass(frozen=True)
class Change:
    kind: str  # one of CHANGE_KINDS
    repo: str
    at: datetime  # the first snapshot that saw the new state (or the repo gone)
    before: RepoState | None
    after: RepoState | None

    @property
    def latest(self) -> RepoState:
        """The state after the change, or the last one seen for a repo now gone."""
        state = self.after or self.before
        assert state is not None
        return state

    @property
    def provider(self) -> str | None:
        return self.latest.provider

    @property
    def workspace(self) -> str | None:
        return self.latest.workspace


def classify(before: RepoState | None, after: RepoState | None) -> str | None:
    """The kind of change from ``before`` to ``after`` (None: nothing that matters)."""
    if before is None:
        return "appeared" if after is not None else None
    if after is None:
        return "gone"
    if after.kind == "stale" and before.kind != "stale":
        return "stale"
    if after.kind == "bound" and before.kind != "bound":
        return "fixed"
    if after.kind == "bound" and after.binding_ref != before.binding_ref:
        return "moved"
    if after.state != before.state:
        return "changed"
    return None


def parse_kinds(text: str) -> list[str]:
    """``stale,gone`` → the kinds named; an unknown one is a usage error."""
    kinds = [k.strip().lower() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in CHANGE_KINDS]
    if unknown or not kinds:
        raise UsageError(
            f"unknown change kind {', '.join(unknown) or repr(text)}: "
            f"choose from {', '.join(CHANGE_KINDS)}"
        )
    return kinds


_RELATIVE = re.compile(r"^(\d+)\s*([dh])$")


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """A date (``2026-12-01``, midnight UTC), a time (ISO 8601, UTC unless it says
    otherwise) or an age (``7d``, ``12h``)."""
    value = text.strip()
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value.lower())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        return now - (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {value!r} is not a date: use YYYY-MM-DD, an ISO time or an age like 7d"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def repo_states(report: AuditReport) -> list[RepoState]:
    return [
        RepoState(
            repo=str(row.repo),
            state=row.state,
            provider=row.provider,
            workspace=row.provider_context.get("workspace_name"),
            binding_ref=row.binding_ref,
            display_label=row.display_label,
        )
        for row in report.rows
    ]


def snapshot_totals(
    report: AuditReport, inventories: Iterable[ProviderInventory] = ()
) -> list[Total]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for row in report.rows:
        workspace = row.provider_context.get("workspace_name") or ""
        counts["repos", row.provider or "", workspace, row.kind] += 1
    for inv in inventories:
        for res in inv.resources:
            workspace = res.provider_context.get("workspace_name") or ""
            status = inv.binding_status(res)
            counts["resources", inv.provider, workspace, status] += 1
    return [Total(*key, count) for key, count in sorted(counts.items())]


def scope_of(host: str, team: str, roots: Sequence[Path | str]) -> Scope:
    folders = (
        r.strip() if isinstance(r, str) and is_remote(r) else str(Path(r).expanduser().resolve())
        for r in roots
    )
    return Scope(host, team, tuple(sorted(folders)))


def start_of_day(when: datetime) -> datetime:
    return datetime.combine(when.astimezone(UTC).date(), time(), tzinfo=UTC)


class History:
    """The audit history kept in a store, with the retention and recording pace of
    the settings."""

    def __init__(
        self,
        store: Store,
        *,
        keep_days: int = 365,
        record_every: timedelta = timedelta(minutes=60),
    ) -> None:
        self.store = store
        self.keep_days = keep_days
        self.record_every = record_every

    @classmethod
    def from_settings(cls, settings: Settings) -> History:
        from tracker_core.store.engine import shared_store

        return cls(
            shared_store(settings.store_url()),
            keep_days=settings.history_days,
            record_every=timedelta(minutes=settings.record_every),
        )

    def __repr__(self) -> str:
        return f"History({self.store.masked_url!r}, keep_days={self.keep_days})"

    def record(
        self,
        report: AuditReport,
        *,
        host: str,
        team: str,
        roots: Sequence[Path | str],
        actor: str,
        source: str,
        inventories: Iterable[ProviderInventory] = (),
        taken_at: datetime | None = None,
        paced: bool = False,
    ) -> Snapshot | None:
        """Save ``report`` as a snapshot. ``paced`` (the dashboard): only when the
        scope's last snapshot is at least ``record_every`` old; None when skipped."""
        from tracker_core.store import history_rows

        return history_rows.record(
            self.store,
            scope_of(host, team, roots),
            repo_states(report),
            snapshot_totals(report, inventories),
            actor=actor,
            source=source,
            taken_at=taken_at or datetime.now(UTC),
            keep_days=self.keep_days,
            min_gap=self.record_every if paced else None,
        )

    def snapshots(
        self,
        *,
        host: str | None = None,
        team: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Snapshot]:
        """Snapshots oldest first, with their totals (every scope of host and team)."""
        from tracker_core.store import history_rows

        return history_rows.read_snapshots(
            self.store, host=host, team=team, since=since, until=until
        )

    def previous_day(
        self,
        *,
        host: str,
        team: str,
        roots: Sequence[Path | str],
        now: datetime | None = None,
    ) -> Snapshot | None:
        """The newest snapshot of this scope taken before today (UTC): what the
        Overview's counts are compared with."""
        from tracker_core.store import history_rows

        until = start_of_day(now or datetime.now(UTC))
        return history_rows.latest_before(self.store, scope_of(host, team, roots), until)

    def changes(
        self,
        *,
        host: str | None = None,
        team: str | None = None,
        since: datetime | None = None,
    ) -> list[Change]:
        """What changed per repo from the snapshot at ``since`` (the newest taken at or
        before it, else the first after it) to the newest snapshot, in every scope of
        host and team. Without ``since``: since the snapshot before the newest."""
        from tracker_core.store import history_rows

        by_scope: dict[int, list[Snapshot]] = defaultdict(list)
        for snap in history_rows.read_snapshots(
            self.store, host=host, team=team, with_totals=False
        ):
            by_scope[snap.scope_id].append(snap)
        found: list[Change] = []
        for snaps in by_scope.values():
            base = _baseline(snaps, since)
            latest = snaps[-1]
            if base is None or base.id == latest.id:
                continue
            taken = {s.id: s.taken_at for s in snaps}
            before = history_rows.states_at(self.store, base)
            after = history_rows.states_at(self.store, latest)
            for repo in sorted(before.keys() | after.keys()):
                old, new = before.get(repo), after.get(repo)
                kind = classify(old, new)
                if kind is None:
                    continue
                first = new.since if new is not None else (old.until if old else None)
                at = taken.get(first or -1, latest.taken_at)
                found.append(Change(kind, repo, at, old, new))
        found.sort(key=lambda c: (c.at, CHANGE_KINDS.index(c.kind), c.repo))
        return found


def _baseline(snaps: Sequence[Snapshot], since: datetime | None) -> Snapshot | None:
    if since is None:
        return snaps[-2] if len(snaps) >= 2 else None
    earlier = [s for s in snaps if s.taken_at <= since]
    return earlier[-1] if earlier else snaps[0]
