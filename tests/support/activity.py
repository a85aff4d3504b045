"""Reading and writing the activity log a face under test uses: the table of the
store beside the ``activity_log`` setting (the default SQLite file)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from tracker_core.flows.activity import ActivityLog
from tracker_core.store.engine import Store
from tracker_core.store.url import default_url


def log_beside(activity_log: Path) -> ActivityLog:
    """The log of a face whose ``SK_TRACKER_ACTIVITY_LOG`` is ``activity_log``."""
    return ActivityLog(Store(default_url(activity_log.parent)), legacy_jsonl=activity_log)


def logged(activity_log: Path) -> list[dict[str, Any]]:
    """Its entries, oldest first, as plain dicts."""
    store_file = activity_log.parent / "sk-tracker.db"
    if not store_file.exists():
        return []
    log = log_beside(activity_log)
    try:
        return [asdict(e) for e in log.entries(newest_first=False)]
    finally:
        log.store.dispose()
