"""SQLite storage of the host: installations, resources, mappings, idempotency records.

One connection guarded by a re-entrant lock: uvicorn runs the sync endpoints in a
thread pool, and SQLite serialises writers anyway. `transaction()` makes a group of
calls atomic (BEGIN IMMEDIATE … COMMIT, rolled back on any exception).
The database enforces the two invariants of the contract with partial unique
indexes: a resource is held by at most one live (active or disabled) mapping, and a
project holds at most one live mapping per provider.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .ids import iso_timestamp, new_binding_ref
from .state import InstallationState
from .store_rows import (
    MAPPING_SELECT,
    RESOURCE_SELECT,
    SCHEMA,
    IdempotencyRecord,
    Installation,
    MappingRow,
    ResourceRow,
    mapping_row,
    resource_id_for,
    resource_row,
)


class Store:
    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path:
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        with self._lock:
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Atomic group of calls; nested use joins the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    # -- whole state -------------------------------------------------------------

    def is_initialised(self) -> bool:
        return self._one("SELECT 1 FROM meta WHERE key = 'initialised'") is not None

    def replace_state(self, state: InstallationState, now: float) -> None:
        """Drop everything (incl. idempotency records) and load `state`."""
        stamp = iso_timestamp(now)
        with self.transaction():
            for table in (
                "mappings",
                "resources",
                "installations",
                "idempotency",
                "consumed_candidates",
            ):
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            installations = []
            resources = []
            for n, inst in enumerate(state.installations, start=1):
                installations.append(
                    (inst.provider, inst.installation_id or f"inst-{inst.provider}-{n}")
                )
                for ws in inst.workspaces:
                    for res in ws.resources:
                        resources.append(
                            (
                                resource_id_for(inst.provider, res.key),
                                inst.provider,
                                res.key,
                                res.name,
                                res.label,
                                ws.name,
                                json.dumps(ws.provider_context(res), separators=(",", ":")),
                            )
                        )
            self._conn.executemany("INSERT INTO installations VALUES (?, ?)", installations)
            self._conn.executemany("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)", resources)
            mappings = []
            for m in state.mappings:
                bound_at = m.bound_at or stamp
                mappings.append(
                    (
                        m.binding_ref or new_binding_ref(now),
                        m.provider,
                        resource_id_for(m.provider, m.resource_key),
                        m.project_uuid,
                        m.project_slug,
                        m.status,
                        bound_at,
                        m.updated_at or bound_at,
                    )
                )
            self._conn.executemany("INSERT INTO mappings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", mappings)
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('initialised', ?)", (stamp,))

    # -- installations and resources --------------------------------------------

    def installation(self, provider: str) -> Installation | None:
        row = self._one(
            "SELECT i.installation_id, (SELECT COUNT(*) FROM resources r"
            " WHERE r.provider = i.provider) FROM installations i WHERE i.provider = ?",
            (provider,),
        )
        if row is None:
            return None
        return Installation(provider=provider, installation_id=row[0], resource_count=row[1])

    def installed_providers(self) -> list[str]:
        return [row[0] for row in self._all("SELECT provider FROM installations ORDER BY 1")]

    def resources(self, provider: str) -> list[ResourceRow]:
        """Every resource of the installation with its live holder, in display order."""
        result = [
            resource_row(row)
            for row in self._all(RESOURCE_SELECT + " WHERE r.provider = ?", (provider,))
        ]
        result.sort(
            key=lambda r: (
                r.workspace_name.casefold(),
                r.display_label.casefold(),
                r.display_label,
                r.resource_id,
            )
        )
        return result

    def resource(self, resource_id: str) -> ResourceRow | None:
        row = self._one(RESOURCE_SELECT + " WHERE r.id = ?", (resource_id,))
        return None if row is None else resource_row(row)

    # -- mappings ----------------------------------------------------------------

    def mapping(self, binding_ref: str) -> MappingRow | None:
        row = self._one(MAPPING_SELECT + " WHERE m.binding_ref = ?", (binding_ref,))
        return None if row is None else mapping_row(row)

    def live_mapping_for_project(self, provider: str, project_uuid: str) -> MappingRow | None:
        row = self._one(
            MAPPING_SELECT
            + " WHERE m.provider = ? AND m.project_uuid = ? AND m.status != 'deleted'",
            (provider, project_uuid),
        )
        return None if row is None else mapping_row(row)

    def live_mapping_for_resource(self, resource_id: str) -> MappingRow | None:
        row = self._one(
            MAPPING_SELECT + " WHERE m.resource_id = ? AND m.status != 'deleted'",
            (resource_id,),
        )
        return None if row is None else mapping_row(row)

    def live_mappings_by_slug(self, provider: str, project_slug: str) -> list[MappingRow]:
        """Live mappings of a slug: active ones first, most recently bound first."""
        rows = self._all(
            MAPPING_SELECT + " WHERE m.provider = ? AND m.project_slug = ?"
            " AND m.status != 'deleted'"
            " ORDER BY m.status = 'active' DESC, m.bound_at DESC, m.binding_ref",
            (provider, project_slug),
        )
        return [mapping_row(row) for row in rows]

    def mappings(self, provider: str, *, include_deleted: bool = True) -> list[MappingRow]:
        sql = MAPPING_SELECT + " WHERE m.provider = ?"
        if not include_deleted:
            sql += " AND m.status != 'deleted'"
        result = [mapping_row(row) for row in self._all(sql, (provider,))]
        result.sort(
            key=lambda m: (m.display_label.casefold(), m.display_label, m.bound_at, m.binding_ref)
        )
        return result

    def mapping_counts(self, provider: str | None = None) -> dict[str, int]:
        sql = "SELECT status, COUNT(*) FROM mappings"
        params: tuple[Any, ...] = ()
        if provider is not None:
            sql += " WHERE provider = ?"
            params = (provider,)
        counts = {"active": 0, "disabled": 0, "deleted": 0}
        for status, count in self._all(sql + " GROUP BY status", params):
            counts[status] = count
        return counts

    def insert_mapping(
        self,
        *,
        provider: str,
        resource_id: str,
        project_uuid: str,
        project_slug: str,
        now: float,
    ) -> MappingRow:
        ref = new_binding_ref(now)
        stamp = iso_timestamp(now)
        self._run(
            "INSERT INTO mappings VALUES (?, ?, ?, ?, ?, 'active', ?, ?)",
            (ref, provider, resource_id, project_uuid, project_slug, stamp, stamp),
        )
        mapping = self.mapping(ref)
        if mapping is None:  # pragma: no cover - the row was inserted just above
            raise RuntimeError(f"mapping {ref} vanished inside its transaction")
        return mapping

    def set_status(self, binding_ref: str, status: str, now: float) -> None:
        self._run(
            "UPDATE mappings SET status = ?, updated_at = ? WHERE binding_ref = ?",
            (status, iso_timestamp(now), binding_ref),
        )

    # -- idempotency and single-use tokens ---------------------------------------

    def idempotency_record(self, team: str, key: str) -> IdempotencyRecord | None:
        row = self._one(
            "SELECT request_hash, response FROM idempotency WHERE team = ? AND key = ?",
            (team, key),
        )
        if row is None:
            return None
        return IdempotencyRecord(request_hash=row[0], response=json.loads(row[1]))

    def save_idempotency_record(
        self, team: str, key: str, request_hash: str, response: dict[str, Any], now: float
    ) -> None:
        self._run(
            "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
            (team, key, request_hash, json.dumps(response), now),
        )

    def candidate_consumed(self, nonce: str) -> bool:
        return self._one("SELECT 1 FROM consumed_candidates WHERE nonce = ?", (nonce,)) is not None

    def consume_candidate(self, nonce: str, expires_at: float, now: float) -> None:
        # Records of expired tokens are useless: an expired token is refused anyway.
        self._run("DELETE FROM consumed_candidates WHERE expires_at < ?", (now,))
        self._run("INSERT INTO consumed_candidates VALUES (?, ?)", (nonce, expires_at))
