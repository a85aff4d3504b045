"""The runners: `python -m tracker_host` as a process, and `run_in_thread`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.host import host_settings
from tracker_host.__main__ import main
from tracker_host.server import run_in_thread

REPO_ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def _host_process(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker_host", "--port", "0", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    return process.stdout.readline().strip()


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_process_prints_url_first_serves_and_stops_cleanly(stop_signal: signal.Signals) -> None:
    env = {"SK_TRACKER_HOST_ADMIN_TOKEN": "proc-admin-token-1", "SK_TRACKER_HOST_VIEWER_TOKEN": ""}
    with _host_process("--seed", "demo", env=env) as process:
        url = _first_line(process)
        assert url.startswith("http://127.0.0.1:")
        me = httpx.get(
            f"{url}/api/v1/me/",
            headers={"Authorization": "Bearer proc-admin-token-1", "X-Team-Slug": "acme"},
            timeout=5,
        )
        assert me.json()["role"] == "admin"
        # Without --dev there are no dev routes.
        reset = httpx.post(f"{url}/api/v1/dev/reset", json={}, timeout=5)
        assert reset.status_code == 404
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert process.stdout is not None and process.stderr is not None
        rest, errors = process.stdout.read(), process.stderr.read()
    # Tokens are printed in dev mode only.
    assert "proc-admin-token-1" not in rest + errors
    assert "Traceback" not in errors


def test_dev_mode_prints_generated_tokens_but_not_given_ones() -> None:
    env = {"SK_TRACKER_HOST_ADMIN_TOKEN": "given-admin-token", "SK_TRACKER_HOST_VIEWER_TOKEN": ""}
    with _host_process("--dev", "--seed", "empty", env=env) as process:
        url = _first_line(process)
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(4)]
        viewer_line = next(line for line in lines if line.startswith("viewer token"))
        viewer_token = viewer_line.rsplit(": ", 1)[1]
        assert "given-admin-token" not in "\n".join(lines)
        me = httpx.get(
            f"{url}/api/v1/me/",
            headers={"Authorization": f"Bearer {viewer_token}", "X-Team-Slug": "acme"},
            timeout=5,
        )
        assert me.json()["role"] == "viewer"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_file_database_keeps_state_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "host.sqlite3"
    headers = {"Authorization": "Bearer keep-admin", "X-Team-Slug": "acme"}
    env = {"SK_TRACKER_HOST_ADMIN_TOKEN": "keep-admin"}
    ref = "srm_01JHMMRQE03HYDJH62HKC8H42F"
    with _host_process("--dev", "--db", str(db), env=env) as process:
        url = _first_line(process)
        deleted = httpx.post(f"{url}/api/v1/dev/mappings/{ref}/delete", headers=headers, timeout=5)
        assert deleted.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    with _host_process("--db", str(db), env=env) as process:
        url = _first_line(process)
        mappings = httpx.get(
            f"{url}/api/v1/tracker/mappings/",
            params={"provider": "linear"},
            headers=headers,
            timeout=5,
        ).json()["mappings"]
        assert {m["binding_ref"]: m["status"] for m in mappings}[ref] == "deleted"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--seed", "bogus"])
    assert exited.value.code == 2
    assert main(["--port", "70000"]) == 2
    assert main(["--rate-limit", "0"]) == 2
    assert main(["--admin-token", "tok-same", "--viewer-token", "tok-same"]) == 2
    errors = capsys.readouterr().err
    assert "must differ" in errors
    assert "tok-same" not in errors


def test_port_in_use_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with run_in_thread(host_settings()) as running:
        port = running.url.rsplit(":", 1)[1]
        assert main(["--port", port]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_run_in_thread_serves_on_loopback_and_stops() -> None:
    with run_in_thread(host_settings(dev=False)) as running:
        assert running.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{running.url}/openapi.json", timeout=5).status_code == 200
        url = running.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/openapi.json", timeout=2)


def test_settings_repr_hides_tokens() -> None:
    settings = host_settings()
    assert settings.admin_token.get_secret_value() not in repr(settings)
    assert settings.viewer_token.get_secret_value() not in repr(settings)
