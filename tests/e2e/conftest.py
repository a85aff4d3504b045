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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.host import HostHandle
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


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited early:\n{log_file.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"streamlit did not start:\n{log_file.read_text()[-2000:]}")


@pytest.fixture
def start_dashboard(host: HostHandle, tmp_path: Path) -> Iterator[Callable[[str], Dashboard]]:
    """``start_dashboard(role)``: the app served for a session with that role's token."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(role: str) -> Dashboard:
        root = tmp_path / role / "repos"
        repos = {r.name: r for r in write_demo_repos(root)}
        log = tmp_path / role / "activity.jsonl"
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SK_TRACKER_")}
        env.update(
            SPEC_KITTY_SAAS_URL=host.url,
            SK_TRACKER_TOKEN=host.admin_token if role == "admin" else host.viewer_token,
            SK_TRACKER_TEAM=host.team,
            SK_TRACKER_REPO_ROOTS=str(root),
            SK_TRACKER_ACTIVITY_LOG=str(log),
            SK_TRACKER_SETTINGS_FILE=str(tmp_path / "no-settings.toml"),
            SK_TRACKER_UPGRADE_ON_READ="false",
        )
        log_file = tmp_path / f"streamlit-{role}.log"
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
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
        ]
        with log_file.open("wb") as out:
            proc = subprocess.Popen(
                cmd, env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, log_file)
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
