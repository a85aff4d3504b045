"""Running ``sk-tracker`` the way users do: a subprocess with its own environment.

Every run gets a clean HOME, XDG folders and settings file (the developer's own
settings never leak in) and the connection variables of the test host. ``stdin``
is closed unless a test pipes answers in, so a prompt that would wait fails fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.host import HostHandle

PYTHON_MODULE = [sys.executable, "-m", "tracker_cli"]
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Variables of the developer's shell that would change what the CLI does.
_LEAKY_PREFIXES = ("SK_TRACKER_", "SPEC_KITTY_", "XDG_")
_LEAKY_NAMES = {"COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TERM", "HOME"}


@dataclass
class Result:
    args: list[str]
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def json(self) -> Any:
        return json.loads(self.out)

    def one_error_line(self) -> str:
        """The run failed with exactly one ``error:`` line on stderr and no traceback."""
        assert "Traceback" not in self.err, self.err
        lines = self.err_lines
        assert len(lines) == 1, f"expected one error line, got:\n{self.err}"
        assert lines[0].startswith("error: "), lines[0]
        return lines[0]

    def __str__(self) -> str:
        return f"$ sk-tracker {' '.join(self.args)}\n[exit {self.code}]\n{self.out}\n{self.err}"


@dataclass
class Cli:
    """``sk-tracker`` bound to a host and a private home folder."""

    url: str
    team: str
    token: str | None
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **overrides: str | None) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_LEAKY_PREFIXES) and k not in _LEAKY_NAMES
        }
        base.update(
            {
                "HOME": str(self.home),
                "XDG_CONFIG_HOME": str(self.home / ".config"),
                "XDG_STATE_HOME": str(self.home / ".local" / "state"),
                "XDG_CACHE_HOME": str(self.home / ".cache"),
                "SK_TRACKER_SETTINGS_FILE": str(self.home / "no-settings.toml"),
                "SPEC_KITTY_SAAS_URL": self.url,
                "SK_TRACKER_TEAM": self.team,
                "PYTHONDONTWRITEBYTECODE": "1",
            }
        )
        if self.token is not None:
            base["SK_TRACKER_TOKEN"] = self.token
        base.update(self.extra_env)
        for key, value in overrides.items():
            if value is None:
                base.pop(key, None)
            else:
                base[key] = value
        return base

    def run(
        self,
        *args: str | os.PathLike[str],
        cwd: Path | None = None,
        input: str | None = None,
        stdin: Any = subprocess.DEVNULL,
        env: Mapping[str, str | None] | None = None,
        timeout: float = 60,
    ) -> Result:
        argv = [str(a) for a in args]
        proc = subprocess.run(
            [*PYTHON_MODULE, *argv],
            cwd=cwd or self.home,
            input=input,
            stdin=None if input is not None else stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.env(**dict(env or {})),
            timeout=timeout,
        )
        return Result(argv, proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    folder = tmp_path / "repos"
    folder.mkdir()
    return folder


@pytest.fixture
def cli(host: HostHandle, home: Path) -> Cli:
    return Cli(url=host.url, team=host.team, token=host.admin_token, home=home)


@pytest.fixture
def viewer_cli(host: HostHandle, home: Path) -> Cli:
    return Cli(url=host.url, team=host.team, token=host.viewer_token, home=home)
