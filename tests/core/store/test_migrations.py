"""The store's migrations: shipped in the package, run forward from an empty store and
from the first schema (data kept) to exactly the tables the code uses, on SQLite and
on PostgreSQL. (The JSONL log of the release before any store: test_activity_store.)"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tracker_core.flows.activity import ActivityLog
from tracker_core.store import engine as store_engine
from tracker_core.store.engine import Store
from tracker_core.store.schema import metadata


def test_head_constant_is_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(store_engine.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [store_engine.HEAD]


def test_an_empty_store_is_migrated_to_exactly_the_schema_the_code_uses(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as conn:
        assert store_engine.current_revision(conn) == store_engine.HEAD
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    # Opening it again finds it at the head and changes nothing.
    again = Store(store_url)
    with again.engine.connect() as conn:
        assert store_engine.current_revision(conn) == store_engine.HEAD


def test_a_store_of_the_first_schema_keeps_its_activity_when_migrated(store_url: str) -> None:
    from alembic import command
    from sqlalchemy import create_engine, text

    engine = create_engine(store_url)
    if store_url.startswith("sqlite"):
        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(store_engine.MIGRATIONS))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(
            text(
                "INSERT INTO activity (at, actor, action, repo, provider, old_ref, new_ref,"
                " result, detail) VALUES ('2026-11-30 09:00:00', 'ann', 'bind', '/r/a',"
                " 'linear', NULL, 'srm_1', 'ok', '')"
            )
        )
        conn.commit()
    engine.dispose()
    log = ActivityLog(Store(store_url))
    assert [(e.actor, e.new_ref, e.at) for e in log.entries()] == [
        ("ann", "srm_1", "2026-11-30T09:00:00+00:00")
    ]
    with log.store.engine.connect() as conn:
        assert store_engine.current_revision(conn) == store_engine.HEAD
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
