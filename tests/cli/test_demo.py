"""``sk-tracker demo --no-browser``: the host and demo repos come up, the printed
commands run as printed in a shell with only the printed exports, and Ctrl-C stops
everything."""

from __future__ import annotations

import getpass
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import PROJECT_ROOT, PYTHON_MODULE, Cli
from tests.support.activity import logged

# The running environment's scripts, as the demo prints them from the checkout
# (`.venv/bin`, or `.venv-latest/bin` under `make test-latest`).
_BIN = Path(sys.executable).parent
SCRIPTS = (_BIN.relative_to(PROJECT_ROOT) if _BIN.is_relative_to(PROJECT_ROOT) else _BIN).as_posix()


def local_person_in(home: Path) -> str:
    """The actor a shell with this empty HOME records: no git email, so user@host."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _printed(lines: list[str]) -> tuple[list[str], list[str]]:
    """The export lines and the commands of the banner, exactly as printed."""
    block = [ln.strip() for ln in lines if ln.startswith("    ") and not ln.startswith("    - ")]
    exports = [ln for ln in block if ln.startswith("export ")]
    commands = [ln for ln in block if not ln.startswith("export ")]
    return exports, commands


def _shell(exports: list[str], command: str, home: Path) -> subprocess.CompletedProcess[str]:
    """``command`` in a shell holding only the printed exports (plus PATH and an empty
    HOME), from the folder ``make demo`` runs in."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    script = "\n".join([*exports, command])
    return subprocess.run(
        ["bash", "-c", script],
        env=clean,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _jupyter_starts(exports: list[str], command: str, home: Path) -> str:
    """Start the printed Jupyter command and stop it once it serves."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(home)}
    # Flags of a headless test run only: no browser, any port, and a container's root.
    extra = " --no-browser --port 0" + (" --allow-root" if os.geteuid() == 0 else "")
    script = "\n".join([*exports, f"exec {command}{extra}"])
    with subprocess.Popen(
        ["bash", "-c", script],
        env=clean,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        seen: list[str] = []
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                seen.append(line)
                if "http://" in line and "/lab" in line:
                    break
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return "".join(seen)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_demo_prints_commands_that_run_as_printed_and_stops_on_a_signal(
    home: Path, tmp_path: Path, stop: signal.Signals
) -> None:
    folder = tmp_path / "demo"
    base = Cli(url="unused", team="unused", token=None, home=home)
    env = base.env(SPEC_KITTY_SAAS_URL=None, SK_TRACKER_TEAM=None)
    lines: list[str] = []
    with subprocess.Popen(
        [*PYTHON_MODULE, "demo", "--no-browser", "--folder", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    ) as proc:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:  # until the banner's last line, or the end
                lines.append(line.rstrip("\n"))
                if line.startswith("Press Ctrl-C"):
                    break
            exports, commands = _printed(lines)
            names = {e.split("=", 1)[0].removeprefix("export ") for e in exports}
            assert names == {
                "SPEC_KITTY_SAAS_URL",
                "SK_TRACKER_TOKEN",
                "SK_TRACKER_TEAM",
                "SK_TRACKER_REPO_ROOTS",
                "SK_TRACKER_ALLOWED_ROOTS",
                "SK_TRACKER_ACTIVITY_LOG",
            }, lines
            cli = [c for c in commands if c.startswith(f"{SCRIPTS}/sk-tracker ")]
            assert len(cli) == 3 and len(commands) == 4, lines
            clean_home = tmp_path / "clean-home"
            clean_home.mkdir()
            runs = {c: _shell(exports, c, clean_home) for c in cli}
            for command, done in runs.items():
                assert "Traceback" not in done.stderr and "error:" not in done.stderr, done
                # audit's documented answer: 1 while a repo still needs action.
                assert done.returncode == (1 if "# exit 1" in command else 0), done
            audit = next(done for c, done in runs.items() if " audit " in c)
            assert re.search(r"^billing-service .* bound", audit.stdout, re.M), audit.stdout
            assert re.search(r"^search-indexer .* stale:mapping_deleted", audit.stdout, re.M)
            notebook = next(c for c in commands if c not in cli)
            assert notebook.startswith(f"{SCRIPTS}/jupyter lab notebooks/"), notebook
            assert "http://" in _jupyter_starts(exports, notebook, clean_home)
            # Everything the commands did is in the one log the dashboard reads.
            log = folder / "activity.jsonl"
            assert f"export SK_TRACKER_ACTIVITY_LOG={log}" in exports
            entries = logged(log)
            assert [(e["action"], Path(e["repo"]).name) for e in entries] == [
                ("upgrade", "billing-service"),
                ("bind", "mobile-app"),
            ]
            assert {e["actor"] for e in entries} == {local_person_in(clean_home)}
            proc.send_signal(stop)
            code = proc.wait(timeout=120)  # a hang guard
        finally:
            proc.kill()
    assert code == 0
    # A second demo reuses its own folder; a folder the demo did not make is refused.
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    refused = base.run("demo", "--no-browser", "--folder", other)
    assert refused.code == 2
    assert "not empty and was not made by the demo" in refused.one_error_line()
    assert (other / "notes.txt").read_text() == "keep me"
