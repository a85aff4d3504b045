"""The activity log's rows: append, read newest first, and the one-time import of the
JSONL file earlier releases wrote."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker_core.store.engine import Store
from tracker_core.store.records import ActivityEntry
from tracker_core.store.schema import activity, store_meta

_FIELDS = tuple(f.name for f in fields(ActivityEntry))


def _row(entry: ActivityEntry) -> dict[str, object]:
    values: dict[str, object] = asdict(entry)
    at = datetime.fromisoformat(entry.at)
    values["at"] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return values


def _entry(row: object) -> ActivityEntry:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    at: datetime = values["at"]
    values["at"] = at.isoformat(timespec="seconds")
    return ActivityEntry(**{name: values[name] for name in _FIELDS})


def append(store: Store, entry: ActivityEntry) -> None:
    with store.begin() as conn:
        conn.execute(insert(activity), [_row(entry)])


def entries(
    store: Store, *, newest_first: bool = True, limit: int | None = None
) -> list[ActivityEntry]:
    order = (
        (activity.c.at.desc(), activity.c.id.desc())
        if newest_first
        else (
            activity.c.at,
            activity.c.id,
        )
    )
    query = select(*(activity.c[name] for name in _FIELDS)).order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    with store.begin() as conn:
        return [_entry(row) for row in conn.execute(query)]


def _jsonl_entries(path: Path) -> list[ActivityEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    found: list[ActivityEntry] = []
    for raw in text.splitlines():
        try:
            entry = ActivityEntry(**json.loads(raw))
            _row(entry)  # a line whose time does not parse is skipped like a torn one
        except (ValueError, TypeError):
            continue  # a torn or foreign line never hides the rest
        found.append(entry)
    return found


def import_jsonl(store: Store, path: Path) -> int:
    """Copy the entries of the JSONL log at ``path`` into the table, once per file
    (a marker row records it, in the same transaction). Returns how many were copied
    now; a second call, from this or any other process, copies nothing."""
    path = Path(path).expanduser()
    key = f"imported-jsonl:{path.resolve()}"

    def work(conn: Connection) -> int:
        if conn.execute(select(store_meta.c.key).where(store_meta.c.key == key)).first():
            return 0
        found = _jsonl_entries(path)
        conn.execute(
            insert(store_meta),
            [{"key": key, "value": datetime.now(UTC).isoformat(timespec="seconds")}],
        )
        if found:
            conn.execute(insert(activity), [_row(e) for e in found])
        return len(found)

    if not path.is_file():
        return 0  # nothing to import (yet): no marker, so a later file is still read
    try:
        with store.engine.begin() as conn:
            return work(conn)
    except IntegrityError:
        return 0  # another process imported it first (its marker's key clashed)
    except SQLAlchemyError as exc:
        raise store.error("cannot be read or written", exc) from None
