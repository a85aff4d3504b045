"""The activity log as a table of the store, on SQLite and on PostgreSQL: order,
the one-time import of an earlier release's JSONL log, concurrent writers from
several processes, and a store that cannot be opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.store.processes import run_at_once
from tracker_core.errors import StoreError
from tracker_core.flows.activity import ActivityLog
from tracker_core.store.engine import Store


def record(log: ActivityLog, actor: str, new_ref: str, old_ref: str | None = None) -> None:
    log.record(
        actor=actor,
        action="rebind" if old_ref else "bind",
        repo="/r/one",
        provider="linear",
        old_ref=old_ref,
        new_ref=new_ref,
        result="ok",
    )


def old_release_log(path: Path) -> Path:
    """A JSONL log as the previous release wrote it, with a torn last line."""
    lines = [
        {
            "at": "2026-11-30T09:00:00+00:00",
            "actor": "ann@acme.example",
            "action": "bind",
            "repo": "/r/old",
            "provider": "jira",
            "old_ref": None,
            "new_ref": "srm_old_1",
            "result": "ok",
            "detail": "exact",
        },
        {
            "at": "2026-12-01T10:30:00+00:00",
            "actor": "bob@acme.example",
            "action": "upgrade",
            "repo": "/r/legacy",
            "provider": "linear",
            "old_ref": None,
            "new_ref": "srm_old_2",
            "result": "ok",
            "detail": "",
        },
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(line) + "\n" for line in lines) + '{"at": "2026-12-0'
    path.write_text(text, encoding="utf-8")
    return path


def test_entries_newest_first(store_url: str) -> None:
    log = ActivityLog(Store(store_url))
    record(log, "a", "srm_1")
    record(log, "b", "srm_2", old_ref="srm_1")
    entries = log.entries()
    assert [(e.actor, e.action, e.old_ref, e.new_ref) for e in entries] == [
        ("b", "rebind", "srm_1", "srm_2"),
        ("a", "bind", None, "srm_1"),
    ]
    assert [e.new_ref for e in log.entries(newest_first=False)] == ["srm_1", "srm_2"]


def test_the_previous_releases_jsonl_log_is_imported_once(store_url: str, tmp_path: Path) -> None:
    legacy = old_release_log(tmp_path / "state" / "activity.jsonl")
    first = ActivityLog(Store(store_url), legacy_jsonl=legacy)
    assert [(e.actor, e.new_ref) for e in first.entries()] == [
        ("bob@acme.example", "srm_old_2"),
        ("ann@acme.example", "srm_old_1"),
    ]
    assert first.entries()[0].at == "2026-12-01T10:30:00+00:00"
    record(first, "carol", "srm_new")
    # Another process (a new log on the same store) does not import it again.
    again = ActivityLog(Store(store_url), legacy_jsonl=legacy)
    assert [e.new_ref for e in again.entries()] == ["srm_new", "srm_old_2", "srm_old_1"]
    assert legacy.exists()  # the old file is left as it was


def test_concurrent_writers_in_several_processes_lose_nothing(
    store_url: str, tmp_path: Path
) -> None:
    legacy = old_release_log(tmp_path / "state" / "activity.jsonl")
    run_at_once("activity_writer.py", [[store_url, str(legacy), f"w{i}", "20"] for i in range(4)])
    entries = ActivityLog(Store(store_url), legacy_jsonl=legacy).entries()
    assert len(entries) == 2 + 4 * 20  # the old log imported exactly once
    assert {e.new_ref for e in entries} >= {f"srm_w{i}_{j}" for i in range(4) for j in range(20)}


def test_a_store_that_cannot_be_opened_is_one_line_with_the_password_masked(
    tmp_path: Path,
) -> None:
    secret = "s3cr3t-pw-91"
    log = ActivityLog(Store(f"postgresql+psycopg://sk:{secret}@127.0.0.1:9/history"))
    with pytest.raises(StoreError) as caught:
        log.entries()
    message = str(caught.value)
    assert message.startswith("history store postgresql+psycopg://sk:***@127.0.0.1:9/history")
    assert secret not in message and "\n" not in message and secret not in repr(log)

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="history store sqlite"):
        ActivityLog(Store(f"sqlite+pysqlite:///{blocker / 'sk-tracker.db'}")).entries()
    with pytest.raises(StoreError, match="only sqlite"):
        ActivityLog(Store(f"mysql://root:{secret}@db/x")).entries()
