"""Store URLs: the default SQLite file and the masked form every message shows."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from tracker_core.errors import StoreError

DEFAULT_FILE_NAME = "sk-tracker.db"

# user:password@ in a URL that could not even be parsed
_USERINFO_RE = re.compile(r"(//[^/@:]*:)[^@/]*@")


def sqlite_url(path: Path) -> str:
    return URL.create("sqlite+pysqlite", database=str(Path(path).expanduser())).render_as_string()


def default_url(folder: Path) -> str:
    """The embedded store: a SQLite file in ``folder`` (where the activity log lives)."""
    return sqlite_url(Path(folder) / DEFAULT_FILE_NAME)


def mask(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and reprs)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _USERINFO_RE.sub(r"\1***@", url)


def parse(url: str) -> URL:
    """The parsed URL of a store, or a one-line ``StoreError`` naming it masked."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"history store {mask(url)}: not a database URL") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"history store {mask(url)}: only sqlite:/// and postgresql+psycopg:// are supported"
        )
    return parsed
