"""The host database's schema and the rows the store reads from it (plain frozen
dataclasses, decoded from SQLite rows in one place)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields
from typing import Any, TypeVar

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS installations (
    provider TEXT PRIMARY KEY,
    installation_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS resources (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL REFERENCES installations(provider),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    display_label TEXT NOT NULL,
    workspace_name TEXT NOT NULL,
    provider_context TEXT NOT NULL,
    UNIQUE (provider, key)
);
CREATE TABLE IF NOT EXISTS mappings (
    binding_ref TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    resource_id TEXT NOT NULL REFERENCES resources(id),
    project_uuid TEXT NOT NULL,
    project_slug TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'deleted')),
    bound_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS mappings_resource_live
    ON mappings(resource_id) WHERE status != 'deleted';
CREATE UNIQUE INDEX IF NOT EXISTS mappings_project_live
    ON mappings(provider, project_uuid) WHERE status != 'deleted';
CREATE INDEX IF NOT EXISTS mappings_by_slug ON mappings(provider, project_slug);
CREATE INDEX IF NOT EXISTS mappings_by_provider ON mappings(provider);
CREATE TABLE IF NOT EXISTS idempotency (
    team TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (team, key)
);
CREATE TABLE IF NOT EXISTS consumed_candidates (
    nonce TEXT PRIMARY KEY,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS consumed_by_expiry ON consumed_candidates(expires_at);
"""

MAPPING_SELECT = """
SELECT m.binding_ref, m.provider, m.resource_id, r.display_label, r.provider_context,
       m.project_uuid, m.project_slug, m.status, m.bound_at, m.updated_at
FROM mappings m JOIN resources r ON r.id = m.resource_id
"""


@dataclass(frozen=True)
class Installation:
    provider: str
    installation_id: str
    resource_count: int


@dataclass(frozen=True)
class ResourceRow:
    resource_id: str
    provider: str
    key: str
    name: str
    display_label: str
    workspace_name: str
    provider_context: dict[str, str]
    # The live (active or disabled) mapping holding the resource, if any.
    binding_ref: str | None
    bound_project_uuid: str | None
    bound_project_slug: str | None
    bound_at: str | None
    binding_status: str | None


@dataclass(frozen=True)
class MappingRow:
    binding_ref: str
    provider: str
    resource_id: str
    display_label: str
    provider_context: dict[str, str]
    project_uuid: str
    project_slug: str
    status: str
    bound_at: str
    updated_at: str


@dataclass(frozen=True)
class IdempotencyRecord:
    request_hash: str
    response: dict[str, Any]


RowT = TypeVar("RowT", ResourceRow, MappingRow)

# The columns of RESOURCE_SELECT and MAPPING_SELECT are the fields of their row
# dataclass, in order (see _decoded).
RESOURCE_SELECT = """
SELECT r.id, r.provider, r.key, r.name, r.display_label, r.workspace_name, r.provider_context,
       m.binding_ref, m.project_uuid, m.project_slug, m.bound_at, m.status
FROM resources r LEFT JOIN mappings m ON m.resource_id = r.id AND m.status != 'deleted'
"""


def _decoded(cls: type[RowT], row: sqlite3.Row) -> RowT:
    """The row dataclass from a SELECT whose columns are its fields, in order (the
    provider_context column holds JSON)."""
    values = dict(zip((f.name for f in fields(cls)), row, strict=True))
    values["provider_context"] = json.loads(values["provider_context"])
    return cls(**values)


def resource_row(row: sqlite3.Row) -> ResourceRow:
    return _decoded(ResourceRow, row)


def resource_id_for(provider: str, key: str) -> str:
    return f"{provider}:{key}"


def mapping_row(row: sqlite3.Row) -> MappingRow:
    return _decoded(MappingRow, row)
