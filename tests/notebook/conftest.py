"""Fixtures of the notebook face: the demo repos on disk and the environment that
``connect()`` (and a notebook kernel) reads its settings from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.host import HostHandle
from tracker_core.tables.notebook import Workspace, connect
from tracker_host.demo_repos import DemoRepo, write_demo_repos

# Settings that must not leak in from the machine running the tests.
UNSET = (
    "SK_TRACKER_TOKEN_FILE",
    "SK_TRACKER_ALLOWED_ROOTS",
    "SK_TRACKER_ROLE",
    "SK_TRACKER_UPGRADE_ON_READ",
    "SK_TRACKER_ALLOW_INSECURE_HTTP",
    "SK_TRACKER_DATABASE_URL",
    "SK_TRACKER_HISTORY_DAYS",
    "SK_TRACKER_RECORD_EVERY",
)


@pytest.fixture
def demo(tmp_path: Path) -> list[DemoRepo]:
    return write_demo_repos(tmp_path / "repos")


@pytest.fixture
def repos_root(demo: list[DemoRepo], tmp_path: Path) -> Path:
    return tmp_path / "repos"


@pytest.fixture
def nb_env(
    host: HostHandle, repos_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The environment a notebook user has after ``sk-tracker demo``: host, admin
    token, team and the demo repos as repo roots (set in this process, inherited by
    kernels it starts)."""
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    env = {
        "SPEC_KITTY_SAAS_URL": host.url,
        "SK_TRACKER_TOKEN": host.admin_token,
        "SK_TRACKER_TEAM": host.team,
        "SK_TRACKER_REPO_ROOTS": str(repos_root),
        "SK_TRACKER_ACTIVITY_LOG": str(tmp_path / "activity.jsonl"),
        "SK_TRACKER_SETTINGS_FILE": str(tmp_path / "no-settings.toml"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def workspace(nb_env: dict[str, str]) -> Iterator[Workspace]:
    with connect() as ws:
        yield ws


def config_bytes_of(root: Path) -> dict[str, bytes]:
    """Every repo's config file under ``root``, by repo name."""
    return {p.parent.parent.name: p.read_bytes() for p in root.glob("*/.kittify/config.yaml")}


@pytest.fixture
def snapshot(repos_root: Path) -> Callable[[], dict[str, bytes]]:
    return lambda: config_bytes_of(repos_root)
