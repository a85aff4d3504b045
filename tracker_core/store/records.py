"""What the store holds, as plain dataclasses (importing this loads no SQLAlchemy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityEntry:
    at: str  # ISO-8601 UTC
    actor: str
    action: str  # bind | rebind | upgrade | write
    repo: str
    provider: str | None
    old_ref: str | None
    new_ref: str | None
    result: str  # ok | failed | declined
    detail: str = ""
