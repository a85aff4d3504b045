"""Opening the store: one engine per URL, migrated to the newest schema on first use.

SQLite runs in WAL mode with a busy timeout, and every transaction takes the write
lock at BEGIN (``BEGIN IMMEDIATE``), so concurrent writers (two dashboards and a cron
audit) queue instead of failing. PostgreSQL serialises what must be serial with row
locks (see ``history_rows``). Every failure becomes one ``StoreError`` line naming the
URL with its password masked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from tracker_core.errors import StoreError
from tracker_core.safe_text import clean_text
from tracker_core.store import url as store_url

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in migrations/versions (a test checks they agree): a store
# already there is opened without loading Alembic at all.
HEAD = "0002"
BUSY_TIMEOUT_MS = 30_000

T = TypeVar("T")


def _reason(exc: BaseException) -> str:
    """The driver's own first line, without the SQL or SQLAlchemy's help links."""
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip().splitlines()
    return clean_text(message[0] if message else type(exc).__name__, max_len=300)


def _sqlite_engine(url: str) -> Engine:
    parsed = store_url.parse(url)
    database = parsed.database or ""
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours (below), not the driver's
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Store:
    """The store at ``url``. Nothing is opened until first use; then the schema is
    migrated forward once. Safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def masked_url(self) -> str:
        return store_url.mask(self.url)

    def __repr__(self) -> str:
        return f"Store({self.masked_url!r})"

    def error(self, doing: str, exc: BaseException) -> StoreError:
        return StoreError(f"history store {self.masked_url}: {doing}: {_reason(exc)}")

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._open()
            return self._engine

    def _open(self) -> Engine:
        parsed = store_url.parse(self.url)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = _sqlite_engine(self.url)
            else:
                engine = create_engine(parsed, pool_pre_ping=True)
        except (SQLAlchemyError, OSError, ImportError) as exc:
            raise self.error("cannot be opened", exc) from None
        try:
            database = parsed.database or ""
            if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
                _migrate_sqlite_file(engine, Path(database).expanduser())
            else:
                migrate(engine)
        except (SQLAlchemyError, OSError, Timeout) as exc:
            engine.dispose()
            raise self.error("cannot be opened or migrated", exc) from None
        return engine

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction (committed on success). Driver failures become StoreError."""
        engine = self.engine
        try:
            with engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self.error("cannot be read or written", exc) from None

    def run(self, work: Callable[[Connection], T]) -> T:
        with self.begin() as conn:
            return work(conn)

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def current_revision(conn: Connection) -> str | None:
    if not conn.dialect.has_table(conn, "alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _at_head(engine: Engine) -> bool:
    with engine.connect() as conn:
        at_head = current_revision(conn) == HEAD
        conn.rollback()
    return at_head


def migrate(engine: Engine) -> None:
    """Bring the schema to ``HEAD`` (from empty or from any older revision)."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        conn.commit()


def _migrate_sqlite_file(engine: Engine, database: Path) -> None:
    """Migrate a SQLite file with one process at a time: SQLite's DDL is not
    transactional for Alembic, so two processes opening a new file at once would both
    create the tables (or one would find the file locked while the other switches it
    to WAL). The lock file sits beside the database, in the state folder."""
    with FileLock(f"{database}.migrate-lock", timeout=BUSY_TIMEOUT_MS / 1000):
        migrate(engine)


_SHARED: dict[str, Store] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(url: str) -> Store:
    """One ``Store`` (one engine, one pool) per URL for the whole process."""
    with _SHARED_LOCK:
        store = _SHARED.get(url)
        if store is None:
            store = _SHARED[url] = Store(url)
        return store
