"""The activity log of binds, re-binds, upgrades and config writes: a table of the
store, shared by every face. A JSONL log from an earlier release (the
``activity_log`` setting) is imported into it once, on first use."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tracker_core.access.settings import Settings
from tracker_core.safe_text import clean_text
from tracker_core.store.records import ActivityEntry

if TYPE_CHECKING:
    from tracker_core.store.engine import Store

__all__ = ["ActivityEntry", "ActivityLog"]


class ActivityLog:
    def __init__(self, store: Store, *, legacy_jsonl: Path | None = None) -> None:
        self.store = store
        self.legacy_jsonl = Path(legacy_jsonl).expanduser() if legacy_jsonl else None
        self._imported = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> ActivityLog:
        from tracker_core.store.engine import shared_store

        return cls(shared_store(settings.store_url()), legacy_jsonl=settings.activity_log)

    def __repr__(self) -> str:
        return f"ActivityLog({self.store.masked_url!r})"

    def _ready(self) -> Store:
        from tracker_core.store import activity_rows

        with self._lock:
            if not self._imported and self.legacy_jsonl is not None:
                activity_rows.import_jsonl(self.store, self.legacy_jsonl)
            self._imported = True
        return self.store

    def record(
        self,
        *,
        actor: str,
        action: str,
        repo: Path | str,
        provider: str | None,
        old_ref: str | None,
        new_ref: str | None,
        result: str,
        detail: str = "",
    ) -> ActivityEntry:
        entry = ActivityEntry(
            at=datetime.now(UTC).isoformat(timespec="seconds"),
            actor=clean_text(actor, max_len=200),
            action=action,
            repo=str(repo),
            provider=provider,
            old_ref=old_ref,
            new_ref=new_ref,
            result=result,
            detail=clean_text(detail, max_len=500),
        )
        from tracker_core.store import activity_rows

        activity_rows.append(self._ready(), entry)
        return entry

    def entries(self, *, newest_first: bool = True) -> list[ActivityEntry]:
        from tracker_core.store import activity_rows

        return activity_rows.entries(self._ready(), newest_first=newest_first)
