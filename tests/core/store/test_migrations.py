"""The store's migrations: shipped in the package, run forward from an empty store to
exactly the tables the code uses, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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
