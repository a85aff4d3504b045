"""Real-browser fixtures: the reference host, demo repos, `streamlit run app.py` in a
subprocess on 127.0.0.1, and Debian's Chromium driven by Playwright (never a browser
downloaded by Playwright).

Without /usr/bin/chromium the tests are skipped locally and fail on CI (CI=true).
Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import pytest

from tests.support.host import HostHandle
from tests.support.processes import wait_healthy
from tracker_dashboard.widgets import repo_key
from tracker_host.demo_repos import DemoRepo, write_demo_repos

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (skipped, or failed on CI,
    when it is missing)."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with launched_chromium() as chromium:
        yield chromium


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Dashboard:
    url: str
    root: Path
    repos: dict[str, DemoRepo]
    activity_log: Path
    log_file: Path

    def path(self, name: str) -> Path:
        return self.repos[name].path.resolve()

    def key(self, name: str) -> str:
        return repo_key(str(self.path(name)))

    def config(self, name: str) -> str:
        return (self.path(name) / ".kittify" / "config.yaml").read_text(encoding="utf-8")


class StartDashboard(Protocol):
    def __call__(
        self,
        role: str,
        *,
        against: HostHandle | None = None,
        token: str | None = None,
        secrets: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Dashboard: ...


@pytest.fixture
def start_dashboard(host: HostHandle, tmp_path: Path) -> Iterator[StartDashboard]:
    """``start_dashboard(role)``: the app served for a session with that role's token.

    Keywords: ``against`` another host than the ``host`` fixture's, ``token`` instead
    of the role's, ``secrets`` the text of the server's ``secrets.toml`` (``{port}``
    is the server's port), ``env`` more environment for the server. Each server runs
    in a folder of its own with its own HOME and reads exactly that secrets file (none
    by default), so neither the developer's ``~/.streamlit`` nor a
    ``.streamlit/secrets.toml`` in the checkout reaches it.
    """
    procs: list[subprocess.Popen[bytes]] = []

    def start(
        role: str,
        *,
        against: HostHandle | None = None,
        token: str | None = None,
        secrets: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Dashboard:
        target = against or host
        name = f"{role}-{len(procs)}"
        work = tmp_path / name
        root = work / "repos"
        repos = {r.name: r for r in write_demo_repos(root)}
        log = work / "activity.jsonl"
        port = _free_port()
        home = work / "home"
        (work / ".streamlit").mkdir(parents=True)
        home.mkdir()
        secrets_file = work / ".streamlit" / "secrets.toml"
        if secrets is not None:
            secrets_file.write_text(secrets.replace("{port}", str(port)), encoding="utf-8")
        server_env = {k: v for k, v in os.environ.items() if not k.startswith("SK_TRACKER_")}
        server_env.update(
            HOME=str(home),
            SPEC_KITTY_SAAS_URL=target.url,
            SK_TRACKER_TOKEN=token
            or (target.admin_token if role == "admin" else target.viewer_token),
            SK_TRACKER_TEAM=target.team,
            SK_TRACKER_REPO_ROOTS=str(root),
            SK_TRACKER_ACTIVITY_LOG=str(log),
            SK_TRACKER_SETTINGS_FILE=str(work / "no-settings.toml"),
            SK_TRACKER_UPGRADE_ON_READ="false",
        )
        server_env.update(env or {})
        log_file = work / "streamlit.log"
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),  # pages/ resolve next to app.py, not the cwd
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            "--secrets.files",
            str(secrets_file),
        ]
        with log_file.open("wb") as out:
            proc = subprocess.Popen(
                cmd, env=server_env, cwd=work, stdout=out, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(f"{url}/_stcore/health", proc, log_file)
        return Dashboard(url, root, repos, log, log_file)

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class IdentityProvider:
    """A local OpenID Connect provider (oidc-provider-mock): any client id and secret
    are accepted, and whoever signs in types their subject on its authorization page."""

    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def add_user(self, sub: str, **claims: object) -> None:
        """The claims the ID token carries when ``sub`` signs in."""
        response = httpx.put(f"{self.url}/users/{quote(sub, safe='')}", json=claims, timeout=5)
        assert response.status_code == 204, response.text


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[IdentityProvider]:
    import oidc_provider_mock
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield IdentityProvider(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
