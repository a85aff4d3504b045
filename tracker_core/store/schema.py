"""The store's tables (SQLAlchemy Core). The migrations in ``migrations/versions``
create exactly these; a test compares the two."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Markers such as "the JSONL activity log at PATH was imported".
store_meta = Table(
    "store_meta",
    metadata,
    Column("key", String(512), primary_key=True),
    Column("value", Text, nullable=False),
)

activity = Table(
    "activity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("repo", Text, nullable=False),
    Column("provider", String(64)),
    Column("old_ref", String(256)),
    Column("new_ref", String(256)),
    Column("result", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Index(None, "at"),
)

# --- audit history -------------------------------------------------------------------
# A scope is what one series of audits covers: a host, a team and a set of repo roots.
# Snapshots of a scope are taken in order under a lock on its row; a repo's state is
# stored once per stretch of snapshots it stayed the same (since .. until, until
# exclusive, open while current), so a year of daily audits where little changes
# stays small.

scopes = Table(
    "scopes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("host", Text, nullable=False),
    Column("team", String(200), nullable=False),
    Column("roots", Text, nullable=False),  # JSON list of folders
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("taken_at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("source", String(32), nullable=False),  # cli | dashboard | notebook
    Column("repos", Integer, nullable=False),
    Index(None, "scope_id", "taken_at"),
    Index(None, "taken_at"),
)

# Counts per snapshot: repos by provider × workspace × state kind, resources by
# provider × workspace × bound/disabled/available ('' stands for none).
snapshot_totals = Table(
    "snapshot_totals",
    metadata,
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("snapshots.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("source", String(16), primary_key=True),  # repos | resources
    Column("provider", String(64), primary_key=True),
    Column("workspace", String(300), primary_key=True),
    Column("category", String(32), primary_key=True),
    Column("count", Integer, nullable=False),
)

repo_states = Table(
    "repo_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_id", Integer, ForeignKey("scopes.id"), nullable=False),
    Column("repo", Text, nullable=False),
    Column("state", String(100), nullable=False),
    Column("provider", String(64)),
    Column("workspace", String(300)),
    Column("binding_ref", String(256)),
    Column("display_label", Text),
    Column("since_snapshot", Integer, nullable=False),
    Column("until_snapshot", Integer),
    Index(None, "scope_id", "until_snapshot"),
    Index(None, "scope_id", "since_snapshot"),
)
