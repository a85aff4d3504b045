"""What the store holds, as plain dataclasses (importing this loads no SQLAlchemy)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ActivityEntry:
    at: str  # ISO-8601 UTC
    actor: str
    action: str  # bind | rebind | upgrade | write
    repo: str
    provider: str | None
    old_ref: str | None
    new_ref: str | None
    result: str  # ok | failed | declined
    detail: str = ""


@dataclass(frozen=True)
class Scope:
    """What a series of audits covers: one host, one team, one set of repo roots."""

    host: str
    team: str
    roots: tuple[str, ...]

    @property
    def key(self) -> str:
        text = json.dumps([self.host, self.team, sorted(self.roots)])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RepoState:
    """One repo as an audit saw it. ``since``/``until`` are the snapshot ids of the
    stretch it stayed so (filled when read back; ``until`` None while current)."""

    repo: str
    state: str  # AuditRow.state: bound | legacy | stale:<reason> | …
    provider: str | None = None
    workspace: str | None = None
    binding_ref: str | None = None
    display_label: str | None = None
    since: int | None = field(default=None, compare=False)
    until: int | None = field(default=None, compare=False)

    @property
    def kind(self) -> str:
        return self.state.split(":", 1)[0]


@dataclass(frozen=True)
class Total:
    source: str  # repos | resources
    provider: str  # '' when none
    workspace: str  # '' when none
    category: str  # a state kind for repos; bound | disabled | available for resources
    count: int


@dataclass(frozen=True)
class Snapshot:
    id: int
    scope_id: int
    scope: Scope
    taken_at: datetime
    actor: str
    source: str  # cli | dashboard | notebook
    repos: int
    totals: tuple[Total, ...] = ()

    def count(self, source: str, category: str) -> int:
        return sum(t.count for t in self.totals if t.source == source and t.category == category)
