"""A separate process recording audits into the history (concurrency tests)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker_core.flows.audit import AuditReport, AuditRow
from tracker_core.flows.history import History
from tracker_core.store.engine import Store

if __name__ == "__main__":
    url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    history = History(Store(url))
    for i in range(count):
        rows = [AuditRow(Path(f"/r/{n}"), "bound", "linear", f"srm_{n}") for n in range(20)]
        # This writer's own repo changes every time; the shared ones flip with i.
        rows.append(AuditRow(Path(f"/r/{name}"), "stale:mapping_deleted" if i % 2 else "bound"))
        rows[i % 20] = AuditRow(Path(f"/r/{i % 20}"), "legacy", "linear")
        history.record(
            AuditReport(rows),
            host="http://127.0.0.1:1",
            team="acme",
            roots=[Path("/r")],
            actor=name,
            source="cli",
            taken_at=datetime.now(UTC) + timedelta(microseconds=i),
        )
