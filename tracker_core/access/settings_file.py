"""Errors in the TOML settings file, told as the file, the line and the key to fix.

Never the value: the file may hold the token.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tracker_core.errors import SettingsError

_AT_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_KEY_RE = re.compile(r"""^\s*(?:\[+\s*)?(["']?)([A-Za-z0-9_.\-]+)\1""")


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _key_on(line: str) -> str | None:
    found = _KEY_RE.match(line)
    return found.group(2) if found else None


def decode_error(path: Path, exc: ValueError) -> SettingsError:
    """A settings file that is not valid TOML (``tomllib.TOMLDecodeError``)."""
    text = str(exc)
    at = _AT_RE.search(text)
    reason = _AT_RE.sub("", text) or "invalid TOML"
    if at is None:
        return SettingsError(f"settings file {path}: {reason}")
    line, column = int(at.group(1)), int(at.group(2))
    lines = _lines(path)
    key = _key_on(lines[line - 1]) if 0 < line <= len(lines) else None
    where = f"line {line}, column {column}" + (f", key {key}" if key else "")
    return SettingsError(f"settings file {path}, {where}: {reason.rstrip('.').lower()}")


def unreadable(path: Path, exc: OSError | UnicodeDecodeError) -> SettingsError:
    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
    return SettingsError(f"settings file {path} cannot be read: {why}")


def key_line(path: Path, key: str) -> int | None:
    """The line (1-based) where ``key`` is set in the file, if it is set there."""
    if not path.is_file():
        return None
    for number, line in enumerate(_lines(path), start=1):
        if _key_on(line) == key and "=" in line:
            return number
    return None


def invalid_value(path: Path, key: str, line: int, message: str) -> SettingsError:
    return SettingsError(f"settings file {path}, line {line}, key {key}: {message}")


def from_environment(env_name: str) -> bool:
    return bool(os.environ.get(env_name, "").strip()) or env_name in os.environ
