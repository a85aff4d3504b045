"""Where bearer tokens come from. Tokens are ``SecretStr``: never in reprs or logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import SecretStr

from tracker_core.errors import AuthError, SettingsError, TrackerError
from tracker_core.host.call import HEADER_SAFE, TOKEN_SETTINGS

_LOG = logging.getLogger("tracker_core.host.client")


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies the bearer token; ``refresh`` is asked once after a 401."""

    def token(self) -> SecretStr: ...

    def refresh(self) -> SecretStr | None:
        """A new token, or ``None`` when this provider cannot refresh."""
        ...


class StaticToken:
    """A fixed token that cannot be refreshed."""

    def __init__(self, token: SecretStr | str) -> None:
        self._token = token if isinstance(token, SecretStr) else SecretStr(token)

    def token(self) -> SecretStr:
        return self._token

    def refresh(self) -> SecretStr | None:
        return None

    def __repr__(self) -> str:
        return "StaticToken(**********)"


class FileToken:
    """A token read from a file; a refresh re-reads the file (a login helper may have
    rotated it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._token = self._read()

    @property
    def path(self) -> Path:
        return self._path

    def _read(self) -> SecretStr:
        try:
            text = self._path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(
                f"cannot read token file {self._path}: {exc.strerror or exc}"
            ) from None
        if not text:
            raise SettingsError(f"token file {self._path} is empty")
        return SecretStr(text)

    def token(self) -> SecretStr:
        return self._token

    def refresh(self) -> SecretStr | None:
        new = self._read()
        if new.get_secret_value() == self._token.get_secret_value():
            return None
        self._token = new
        return new

    def __repr__(self) -> str:
        return f"FileToken({str(self._path)!r})"


class CallbackToken:
    """A token from callables, e.g. an OAuth session that can refresh."""

    def __init__(
        self,
        get: Callable[[], SecretStr],
        refresh: Callable[[], SecretStr | None] | None = None,
    ) -> None:
        self._get = get
        self._refresh = refresh

    def token(self) -> SecretStr:
        return self._get()

    def refresh(self) -> SecretStr | None:
        return self._refresh() if self._refresh else None

    def __repr__(self) -> str:
        return "CallbackToken(**********)"


def token_value(tokens: TokenProvider) -> str:
    """The provider's current token, checked before it goes into a header."""
    value = tokens.token().get_secret_value()
    if not value:
        raise AuthError(f"no token: set {TOKEN_SETTINGS}", user_action_required=True)
    if not HEADER_SAFE.fullmatch(value):
        raise AuthError(
            f"the token contains spaces or control characters; check {TOKEN_SETTINGS}",
            user_action_required=True,
        )
    return value


def token_fix(tokens: TokenProvider) -> str:
    """The one setting that holds the rejected token (there is no login command)."""
    if isinstance(tokens, FileToken):
        return f"put a valid token in {tokens.path} (SK_TRACKER_TOKEN_FILE)"
    if isinstance(tokens, StaticToken):
        return "set SK_TRACKER_TOKEN to a valid token"
    return f"set {TOKEN_SETTINGS} to a valid token"


def refreshed_token(tokens: TokenProvider, old: str) -> bool:
    """Ask the provider for a new token once; true when it gave a different one."""
    try:
        new = tokens.refresh()
    except TrackerError:
        raise
    except Exception as exc:  # a provider's own failure means "could not refresh"
        _LOG.debug("token refresh failed: %s", type(exc).__name__)
        return False
    if new is None:
        return False
    value = new.get_secret_value()
    _LOG.debug("token refreshed after 401: %s", "new token" if value != old else "unchanged")
    return bool(value) and value != old
