"""How one reference host instance is configured (team, users, storage, limits, dev mode)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr

SeedName = Literal["demo", "empty"]

ADMIN_TOKEN_ENV = "SK_TRACKER_HOST_ADMIN_TOKEN"  # noqa: S105 - a variable name
VIEWER_TOKEN_ENV = "SK_TRACKER_HOST_VIEWER_TOKEN"  # noqa: S105 - a variable name


def random_token() -> SecretStr:
    """A fresh bearer token; used when none is configured."""
    return SecretStr(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class HostSettings:
    """Everything `create_app` needs. Tokens are `SecretStr` so a repr never shows them.

    - ``db_path``: a SQLite file, or ``None`` for a private in-memory database that
      disappears when the host stops. A file that already holds state keeps it (the
      seed is applied only to a new database).
    - ``rate_limit``: sustained requests per second per token (token bucket with
      ``rate_burst`` capacity, default ``max(1, rate_limit)``); ``None`` turns it off.
    - ``clock``: wall-clock seconds; tests replace it to expire candidate tokens.
    """

    team: str = "acme"
    admin_user: str = "admin@acme.example"
    viewer_user: str = "viewer@acme.example"
    admin_token: SecretStr = field(default_factory=random_token)
    viewer_token: SecretStr = field(default_factory=random_token)
    db_path: str | None = None
    seed: SeedName = "demo"
    dev: bool = False
    rate_limit: float | None = None
    rate_burst: int | None = None
    candidate_ttl_seconds: float = 15 * 60
    max_body_bytes: int = 64 * 1024
    max_dev_body_bytes: int = 64 * 1024 * 1024
    clock: Callable[[], float] = field(default=time.time, repr=False, compare=False)

    def __post_init__(self) -> None:
        admin = self.admin_token.get_secret_value()
        viewer = self.viewer_token.get_secret_value()
        if not admin.strip() or not viewer.strip():
            raise ValueError("admin and viewer tokens must not be empty")
        if admin == viewer:
            raise ValueError("admin and viewer tokens must differ")
        if not self.team.strip():
            raise ValueError("team must not be empty")
        if self.rate_limit is not None and self.rate_limit <= 0:
            raise ValueError("rate_limit must be positive (or None to turn it off)")
        if self.candidate_ttl_seconds <= 0:
            raise ValueError("candidate_ttl_seconds must be positive")
