"""Alembic environment: migrations run on the connection the store hands over, never
on a URL of their own (so no URL, and no password, reaches Alembic's config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from tracker_core.store.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("the store's migrations run through tracker_core.store.engine only")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes opening a new store at once: one migrates, the other waits.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7381265)")
    context.run_migrations()
