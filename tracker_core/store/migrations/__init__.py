"""Alembic migrations of the store, run by ``tracker_core.store.engine`` on open."""
