"""Each face installs the way its users get it: from the built wheel, in a fresh
virtualenv, with the working folder outside the checkout. With ``[all]`` the host
and the dashboard start and answer; without extras the library and the CLI work
and a face whose extra is missing names it in one line (exit 2)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.conftest import PROJECT_ROOT, Venv
from tests.support.processes import wait_healthy
from tracker_cli.launch import free_port

ADMIN = "packaging-admin-token"
VIEWER = "packaging-viewer-token"
TEAM = "acme"  # the reference host's team
WEB_STACK = ("streamlit", "pandas", "altair", "authlib", "fastapi", "uvicorn")


def test_the_wheel_carries_the_dashboard_scripts_of_the_checkout(wheel: Path) -> None:
    scripts = ["app.py", *sorted(f"pages/{p.name}" for p in (PROJECT_ROOT / "pages").glob("*.py"))]
    with zipfile.ZipFile(wheel) as archive:
        for script in scripts:
            bundled = archive.read(f"tracker_dashboard/streamlit_app/{script}")
            assert bundled == (PROJECT_ROOT / script).read_bytes(), script
    # One copy in the repository: the bundle exists only in what the build makes.
    assert not (PROJECT_ROOT / "tracker_dashboard" / "streamlit_app").exists()


# --- no extras -----------------------------------------------------------------------


def test_without_extras_the_library_and_the_cli_work(bare_venv: Venv) -> None:
    probe = (
        "import importlib.util, json, tracker_core\n"
        f"print(json.dumps([m for m in {WEB_STACK!r} if importlib.util.find_spec(m)]))"
    )
    imported = bare_venv.run("python", "-c", probe)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout) == []  # none of the web stack came along

    # The DataFrames need pandas: asking for one names the extra that brings it.
    frames = bare_venv.run("python", "-c", "import tracker_core; tracker_core.resources_frame")
    assert frames.returncode == 1
    assert frames.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: tracker_core.resources_frame needs the notebook extra: "
        "pip install 'sk-tracker[notebook]'"
    )

    helped = bare_venv.run("sk-tracker", "status", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "Usage: sk-tracker status" in helped.stdout


@pytest.mark.parametrize(
    ("argv", "extras"),
    [
        (["dashboard"], "dashboard"),
        (["host", "--port", "0"], "host"),
        (["demo", "--no-browser"], "host"),
        (["demo"], "dashboard,host"),
    ],
)
def test_a_face_without_its_extra_names_the_extra_to_install(
    bare_venv: Venv, argv: list[str], extras: str
) -> None:
    result = bare_venv.run("sk-tracker", *argv)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert lines[0].endswith(f"pip install 'sk-tracker[{extras}]'")
    assert result.stdout == ""


# --- with [all] ----------------------------------------------------------------------


@dataclass
class Started:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def stop(started: Started) -> int | None:
    """Ctrl-C, then its exit code; None (and a kill) if it did not stop."""
    started.proc.send_signal(signal.SIGINT)
    try:
        return started.proc.wait(timeout=120)  # a hang guard
    except subprocess.TimeoutExpired:
        return None
    finally:
        started.proc.kill()
        started.proc.wait()


@pytest.fixture
def installed_host(full_venv: Venv, tmp_path: Path) -> Iterator[Started]:
    log = tmp_path / "host.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(full_venv.script), "host", "--port", "0"],
            cwd=full_venv.home,
            env=full_venv.env(
                {"SK_TRACKER_HOST_ADMIN_TOKEN": ADMIN, "SK_TRACKER_HOST_VIEWER_TOKEN": VIEWER}
            ),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None
    started = Started(proc.stdout.readline().decode().strip(), proc, log)
    try:
        assert started.url.startswith("http://127.0.0.1:"), log.read_text()
        yield started
    finally:
        stop(started)


def client_env(host: Started, home: Path) -> dict[str, str]:
    return {
        "SPEC_KITTY_SAAS_URL": host.url,
        "SK_TRACKER_TOKEN": ADMIN,
        "SK_TRACKER_TEAM": TEAM,
        "SK_TRACKER_REPO_ROOTS": str(home),
    }


def test_the_installed_host_answers_the_installed_cli(
    full_venv: Venv, installed_host: Started
) -> None:
    wait_healthy(
        f"{installed_host.url}/api/v1/me/",
        installed_host.proc,
        installed_host.log,
        headers={"Authorization": f"Bearer {ADMIN}", "X-Team-Slug": TEAM},
    )
    found = full_venv.run(
        "sk-tracker",
        "discover",
        "--all",
        "--json",
        extra=client_env(installed_host, full_venv.home),
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)  # the demo installation's resources
    assert stop(installed_host) == 0


APP_PROBE = """
from pathlib import Path
import sys

from streamlit.testing.v1 import AppTest

from tracker_cli.launch import dashboard_app

app = dashboard_app()
assert Path(sys.prefix) in app.parents, app  # the wheel's copy, not a checkout's
at = AppTest.from_file(str(app), default_timeout=240).run()
assert not at.exception, [e.value for e in at.exception]
print(at.title[0].value)
"""


def test_the_installed_dashboard_serves_and_runs_its_pages(
    full_venv: Venv, installed_host: Started, tmp_path: Path
) -> None:
    env = client_env(installed_host, full_venv.home)
    # The bundled app.py finds its pages and renders the first one against the host.
    probe = full_venv.run("python", "-c", APP_PROBE, extra=env)
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert probe.stdout.strip() == "Overview"

    port = free_port(0)
    log = tmp_path / "dashboard.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(full_venv.script), "dashboard", "--port", str(port)],
            cwd=full_venv.home,
            env=full_venv.env(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    dashboard = Started(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_healthy(f"{dashboard.url}/_stcore/health", proc, log)
    finally:
        code = stop(dashboard)
    assert code == 0, log.read_text()[-2000:]


def test_the_installed_demo_starts_its_host_and_stops(full_venv: Venv, tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [str(full_venv.script), "demo", "--no-browser", "--folder", str(tmp_path / "demo")],
            cwd=full_venv.home,
            env=full_venv.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
    assert proc.stdout is not None
    demo = Started("", proc, log)
    try:
        banner = []
        for raw in proc.stdout:  # until the banner's last line, or the end
            banner.append(raw.decode())
            if raw.startswith(b"Press Ctrl-C"):
                break
        text = "".join(banner)
        url, token, team = (
            re.search(rf"\b{name}=(\S+)", text)
            for name in ("SPEC_KITTY_SAAS_URL", "SK_TRACKER_TOKEN", "SK_TRACKER_TEAM")
        )
        assert url and token and team, text + log.read_text()
        # The example notebook ships with the checkout, not the wheel: no dead path.
        assert "notebooks/" not in text and "import tracker_core" in text, text
        headers = {"Authorization": f"Bearer {token[1]}", "X-Team-Slug": team[1]}
        wait_healthy(f"{url[1]}/api/v1/me/", proc, log, headers=headers)
    finally:
        code = stop(demo)
    assert code == 0, log.read_text()[-2000:]
