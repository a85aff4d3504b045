"""A separate process appending to the activity log (concurrency tests)."""

from __future__ import annotations

import sys
from pathlib import Path

from tracker_core.flows.activity import ActivityLog
from tracker_core.store.engine import Store

if __name__ == "__main__":
    url, legacy, name, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    log = ActivityLog(Store(url), legacy_jsonl=Path(legacy))
    for i in range(count):
        log.record(
            actor=name,
            action="bind",
            repo=f"/r/{name}/{i}",
            provider="linear",
            old_ref=None,
            new_ref=f"srm_{name}_{i}",
            result="ok",
        )
