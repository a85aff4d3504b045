"""store: the one database behind the activity log and the audit history — its
SQLAlchemy Core tables, the Alembic migrations shipped inside the package (so they
run from an installed wheel), and the engine: a SQLite file by default, PostgreSQL for
a shared deployment (``SK_TRACKER_DATABASE_URL``).

Imports only `errors` and `safe_text`; `flows` builds on it, the faces reach it through
`flows`.
"""
