"""Start-up: the help, the import cost of the everyday commands (no pandas, Streamlit
or FastAPI), and ``sk-tracker host`` as a process that stops on Ctrl-C."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.cli.conftest import PYTHON_MODULE, Cli
from tests.support.repos import COMMON, make_repo, mapped_repo, project_section
from tracker_host import seed

HEAVY = ("pandas", "streamlit", "fastapi", "uvicorn", "tracker_host", "numpy")
COMMANDS = ("discover", "bind", "status", "audit", "host", "dashboard", "demo")


def test_help_lists_every_command_from_the_script_and_the_module(cli: Cli) -> None:
    script = Path(sys.executable).with_name("sk-tracker")
    assert script.is_file(), "the console script is installed with the package"
    for argv in ([str(script), "--help"], [*PYTHON_MODULE, "--help"]):
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=cli.env(), timeout=60, check=False
        )
        assert proc.returncode == 0, proc.stderr
        for command in COMMANDS:
            assert re.search(rf"^\W*{command}\s", proc.stdout, re.M), proc.stdout


def test_help_imports_nothing_heavy(cli: Cli) -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tracker_cli", "--help"],
        capture_output=True,
        text=True,
        env=cli.env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "tracker_cli" in imported and "typer" in imported  # the trace is real
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


PROBE = """
import json, sys
import tracker_cli.main as main

heavy = {heavy!r}
report = {{}}
for argv in json.loads(sys.argv[1]):
    try:
        main.run(argv)
    except SystemExit as exc:
        code = exc.code
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))
    report[" ".join(argv)] = {{"code": code, "heavy": loaded}}
print(json.dumps(report))
"""


def test_discover_bind_status_import_nothing_heavy(cli: Cli, repos: Path) -> None:
    m = seed.MY_PROJECT
    fresh = make_repo(
        repos, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    legacy = mapped_repo(repos, seed.LEGACY_BILLING, with_ref=False)
    runs = [
        ["discover", "--provider", "linear"],
        ["discover", "--all", "--json"],
        ["bind", "--provider", "linear", "--repo", str(fresh)],
        ["status", "--repo", str(fresh)],
        ["status", "--repo", str(legacy)],
        ["status", "--all"],
    ]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), json.dumps(runs)],
        capture_output=True,
        text=True,
        env=cli.env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    for argv in runs:
        entry = report[" ".join(argv)]
        assert entry == {"code": 0, "heavy": []}, (argv, entry, proc.stderr)


def test_host_prints_its_url_first_and_stops_on_ctrl_c(cli: Cli) -> None:
    with subprocess.Popen(
        [*PYTHON_MODULE, "host", "--port", "0", "--dev"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env(),
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first), first
            assert httpx.get(f"{first}/openapi.json", timeout=60).status_code == 200
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=120)  # a hang guard
        finally:
            proc.kill()
    assert code == 0, proc.stderr.read() if proc.stderr else ""


def test_host_help_shows_the_host_flags(cli: Cli) -> None:
    result = cli.run("host", "--help")
    assert result.code == 0, result
    for flag in ("--host", "--port", "--db", "--seed", "--dev", "--admin-token"):
        assert flag in result.out
