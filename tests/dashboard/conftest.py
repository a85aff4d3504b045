"""AppTest fixtures: the dashboard against the reference host and the demo repos.

``dash`` writes the demo repos under a temporary folder, points the settings at the
test host (environment variables, no settings file), and clears Streamlit's caches
before and after the test (they are process-wide, and every test resets the host).
``dash.app(role)`` is an ``AppTest`` of ``app.py`` signed in with that role's token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

from tests.support.host import HostHandle
from tracker_dashboard.widgets import repo_key
from tracker_host.demo_repos import DemoRepo, write_demo_repos

APP = Path(__file__).resolve().parents[2] / "app.py"
PAGES = {
    "overview": "pages/overview.py",
    "resources": "pages/resources.py",
    "repositories": "pages/repositories.py",
    "bind": "pages/bind.py",
    "activity": "pages/activity.py",
    "trends": "pages/trends.py",
    "changes": "pages/changes.py",
}


@dataclass
class Dashboard:
    host: HostHandle
    root: Path
    repos: dict[str, DemoRepo]
    activity_log: Path
    monkeypatch: pytest.MonkeyPatch
    downloads: dict[str, Callable[[], Any]] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return str(self.repos[name].path)

    def key(self, name: str) -> str:
        return repo_key(self.path(name))

    def config(self, name: str) -> str:
        return (self.repos[name].path / ".kittify" / "config.yaml").read_text(encoding="utf-8")

    def app(self, role: str = "admin", *, token: str | None = None) -> AppTest:
        """A new browser session (not yet run) signed in with ``role``'s token."""
        value = token or {"admin": self.host.admin_token, "viewer": self.host.viewer_token}[role]
        self.monkeypatch.setenv("SK_TRACKER_TOKEN", value)
        return AppTest.from_file(str(APP), default_timeout=60)

    def use_secrets(self, secrets: dict[str, Any] | None) -> None:
        """The app's secrets, as if read from ``.streamlit/secrets.toml`` (``None``:
        read the configured files again). Set on Streamlit's secrets singleton rather
        than ``AppTest.secrets``, because ``st.login`` and ``st.user`` read that one."""
        self.monkeypatch.setattr(st.secrets, "_secrets", secrets)

    def download(self, file_name: str) -> bytes:
        """The bytes the download button for ``file_name`` hands the browser."""
        data = self.downloads[file_name]()
        return data if isinstance(data, bytes) else str(data).encode("utf-8")


def clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def dash(host: HostHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Dashboard]:
    root = tmp_path / "repos"
    repos = {r.name: r for r in write_demo_repos(root)}
    log = tmp_path / "state" / "activity.jsonl"
    for name in (
        "SK_TRACKER_TOKEN_FILE",
        "SK_TRACKER_ALLOWED_ROOTS",
        "SK_TRACKER_ROLE",
        "SK_TRACKER_DATABASE_URL",
        "SK_TRACKER_HISTORY_DAYS",
        "SK_TRACKER_RECORD_EVERY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SPEC_KITTY_SAAS_URL", host.url)
    monkeypatch.setenv("SK_TRACKER_TEAM", host.team)
    monkeypatch.setenv("SK_TRACKER_REPO_ROOTS", str(root))
    monkeypatch.setenv("SK_TRACKER_ACTIVITY_LOG", str(log))
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(tmp_path / "no-settings.toml"))
    monkeypatch.setenv("SK_TRACKER_UPGRADE_ON_READ", "false")
    dashboard = Dashboard(host, root, repos, log, monkeypatch)

    # Capture what each download button would serve (its deferred CSV maker).
    original = MediaFileManager.add_deferred

    def record(self: MediaFileManager, data_callable: Any, *args: Any, **kwargs: Any) -> str:
        name = kwargs.get("file_name") or (args[2] if len(args) > 2 else None)
        if name:
            dashboard.downloads[str(name)] = data_callable
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)

    # AppTest forgets before every run that the app uses st.navigation; seeing a
    # pages/ folder, it then runs later pages as old-style page files without
    # app.py (no sidebar, no page guard). A served app remembers it for good, so
    # keep AppTest's reset away from the flag the script runner reads.
    class _NavigationPages(PagesManager):
        pass

    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPages)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    # No developer's own .streamlit/secrets.toml reaches the tests: the app sees
    # exactly the secrets a test gives it (``dash.use_secrets``), none by default.
    monkeypatch.setattr(st.secrets, "_secrets", {})
    clear_caches()
    try:
        yield dashboard
    finally:
        clear_caches()


def goto(at: AppTest, page: str) -> AppTest:
    """Switch ``at`` (already run once) to ``page``, run it, and check it rendered
    cleanly."""
    at.switch_page(PAGES[page]).run()
    assert_clean(at)
    return at


def start(dash: Dashboard, page: str = "overview", role: str = "admin") -> AppTest:
    """A new session signed in as ``role`` showing ``page``."""
    at = dash.app(role).run()
    assert_clean(at)
    return at if page == "overview" else goto(at, page)


def assert_clean(at: AppTest) -> None:
    """No traceback and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def frame_with(at: AppTest, *columns: str) -> Any:
    """The first dataframe on the page that has all ``columns``."""
    for df in at.dataframe:
        value = df.value
        if all(c in value.columns for c in columns):
            return value
    raise AssertionError(f"no dataframe with columns {columns}")


def texts(block: Any) -> list[str]:
    return [t.value for t in block.text]
