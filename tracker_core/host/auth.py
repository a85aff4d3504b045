"""Where bearer tokens come from. Tokens are ``SecretStr``: never in reprs or logs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import SecretStr

from tracker_core.errors import SettingsError


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
