"""Append-only activity log (JSON lines) of binds, re-binds and config writes.

Stored outside the repos (settings ``activity_log``). Appends take a cross-process
lock so concurrent sessions never interleave half lines.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from tracker_core.safe_text import clean_text


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


class ActivityLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        with FileLock(str(self.path) + ".lock", timeout=10):
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        return entry

    def _lines(self) -> Iterator[ActivityEntry]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        for raw in text.splitlines():
            try:
                data = json.loads(raw)
                yield ActivityEntry(**data)
            except (ValueError, TypeError):
                continue  # a torn or foreign line never hides the rest

    def entries(self, *, newest_first: bool = True) -> list[ActivityEntry]:
        items = list(self._lines())
        return items[::-1] if newest_first else items
