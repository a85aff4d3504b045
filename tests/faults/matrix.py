"""The fault matrix: every CLI command under every host fault, as a user runs it.

Each cell starts from the demo seed and fresh demo repos, injects one fault (with the
reference host's dev controls, or a misbehaving TCP proxy for resets and stalls), runs
``sk-tracker`` in a subprocess and checks what a user must be able to rely on: it
succeeds, or it ends with exit 1 and a one-line ``error:`` on stderr; never a
traceback; a failed run changes no config; a bind whose response was lost leaves
exactly one mapping on the host.

``python -m tests.faults.matrix`` (or ``make faults``) prints the table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from tests.faults.proxy import faulty_proxy
from tracker_host import seed
from tracker_host.demo_repos import write_demo_repos
from tracker_host.server import run_in_thread
from tracker_host.settings import HostSettings

ADMIN = "fault-admin-token-5e1d"
VIEWER = "fault-viewer-token-9c2b"
CLIENT_TIMEOUT = "1.5"


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: dict[str, Any] = field(default_factory=dict)
    proxy: dict[str, int] = field(default_factory=dict)
    host_down: bool = False
    expect_ok: bool = True  # a fault the client must ride out


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("no fault"),
    Scenario("429 burst + Retry-After", {"burst_429": 2, "retry_after_seconds": 1}),
    Scenario("500 burst", {"fail_next": 2, "fail_status": 500}),
    Scenario("502 burst", {"fail_next": 2, "fail_status": 502}),
    Scenario("503 burst", {"fail_next": 2, "fail_status": 503}),
    Scenario("connection resets", proxy={"reset_first": 2}),
    Scenario("timeout (stalled connection)", proxy={"stall_first": 1}),
    Scenario("5xx that never ends", {"error_rate": 1.0, "error_status": 503}, expect_ok=False),
    Scenario("malformed JSON", {"malformed_next": 1}, expect_ok=False),
    Scenario("200 with the wrong shape", {"wrong_shape_next": 1}, expect_ok=False),
    Scenario("401 (no refresh possible)", {"fail_next": 1, "fail_status": 401}, expect_ok=False),
    Scenario("lost bind-confirm response", {"hang_after_commit_seconds": 3}),
    Scenario("host down", host_down=True, expect_ok=False),
)


@dataclass(frozen=True)
class Command:
    name: str
    argv: Callable[[Path], list[str]]
    cwd: Callable[[Path], Path]
    writes: bool = False  # may legitimately change a config when it succeeds


def _repo(name: str) -> Callable[[Path], Path]:
    return lambda root: root / name


COMMANDS: tuple[Command, ...] = (
    Command("discover --all", lambda r: ["discover", "--all"], lambda r: r),
    Command(
        "bind (choose by --select)",
        lambda r: ["bind", "--provider", "linear", "--select", "1"],
        _repo("mobile-app"),
        True,
    ),
    Command(
        "bind (exact match)",
        lambda r: ["bind", "--provider", "linear"],
        _repo("my-project-fresh"),
        True,
    ),
    Command(
        "bind --bind-ref",
        lambda r: ["bind", "--provider", "linear", "--bind-ref", seed.DATA_PIPELINE.binding_ref],
        _repo("data-pipeline"),
        True,
    ),
    Command("status", lambda r: ["status"], _repo("my-project")),
    Command("status (legacy, upgrade)", lambda r: ["status"], _repo("billing-service"), True),
    Command("status --all", lambda r: ["status", "--all"], lambda r: r),
    Command("audit", lambda r: ["audit", str(r), "--json"], lambda r: r),
)


@dataclass
class Cell:
    scenario: str
    command: str
    exit_code: int
    outcome: str
    problems: list[str]


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("config.yaml"))
    }


def _extra_repos(root: Path) -> None:
    """Beyond the demo repos: a fresh clone of my-project without its tracker section
    (exact match) and a data-pipeline repo without one (--bind-ref)."""
    for slug, mapping in (
        ("my-project-fresh", seed.MY_PROJECT),
        ("data-pipeline", seed.DATA_PIPELINE),
    ):
        repo = root / slug
        (repo / ".kittify").mkdir(parents=True)
        (repo / ".git").mkdir()
        (repo / ".kittify" / "config.yaml").write_text(
            f"project:\n  uuid: {mapping.project_uuid}\n  slug: {mapping.project_slug}\n"
            f"  node_id: {seed.NODE_ID}\nvcs:\n  type: git\n",
            encoding="utf-8",
        )


def _dev(url: str, method: str, path: str, body: Any = None) -> None:
    headers = {"Authorization": f"Bearer {ADMIN}", "X-Team-Slug": seed.TEAM}
    response = httpx.request(method, url + path, json=body, headers=headers, timeout=10)
    response.raise_for_status()


def _active_for(url: str, project_uuid: str) -> int:
    headers = {"Authorization": f"Bearer {ADMIN}", "X-Team-Slug": seed.TEAM}
    body = httpx.get(
        url + "/api/v1/tracker/mappings/",
        params={"provider": "linear"},
        headers=headers,
        timeout=10,
    ).json()
    return sum(
        1 for m in body["mappings"] if m["project_uuid"] == project_uuid and m["status"] == "active"
    )


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def _run(argv: list[str], cwd: Path, url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".state"),
        "SK_TRACKER_SETTINGS_FILE": str(home / "no-settings.toml"),
        "SK_TRACKER_ACTIVITY_LOG": str(home / "activity.jsonl"),
        "SPEC_KITTY_SAAS_URL": url,
        "SK_TRACKER_TOKEN": ADMIN,
        "SK_TRACKER_TEAM": seed.TEAM,
        "SK_TRACKER_TIMEOUT": CLIENT_TIMEOUT,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return subprocess.run(
        [sys.executable, "-m", "tracker_cli", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _succeeded(cmd: Command, proc: subprocess.CompletedProcess[str]) -> bool:
    if cmd.name == "audit":
        # audit exits 1 when repos need action (the demo has some): success is a full
        # report with no error line.
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            return False
        return "repos" in report and "error:" not in proc.stderr
    return proc.returncode == 0


def run_cell(url: str, scenario: Scenario, cmd: Command, template: Path, work: Path) -> Cell:
    _dev(url, "POST", "/api/v1/dev/reset", {"seed": "demo"})
    root = work / "repos"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(template, root, symlinks=True)
    before = _tree_digest(root)
    problems: list[str] = []
    target_url = url
    with contextlib.ExitStack() as stack:
        if scenario.host_down:
            target_url = _dead_url()
        elif scenario.proxy:
            target_url = stack.enter_context(faulty_proxy(url, **scenario.proxy)).url
        if scenario.faults:
            _dev(url, "POST", "/api/v1/dev/faults", scenario.faults)
        proc = _run(cmd.argv(root), cmd.cwd(root), target_url, work)
        _dev(url, "DELETE", "/api/v1/dev/faults")

    output = proc.stdout + proc.stderr
    if "Traceback" in output:
        problems.append("traceback in output")
    if ADMIN in output:
        problems.append("token in output")
    ok = _succeeded(cmd, proc)
    if proc.returncode not in (0, 1):
        problems.append(f"exit code {proc.returncode}")
    if not ok:
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        if proc.returncode != 1 or len(errors) != 1 or lines[-1] != errors[0]:
            problems.append(f"not exit 1 with a one-line error: {proc.stderr!r}")
        if _tree_digest(root) != before:
            problems.append("a failed run changed a config")
    elif not cmd.writes and _tree_digest(root) != before:
        problems.append("a read-only command changed a config")
    if scenario.expect_ok and not ok:
        problems.append("should have ridden out this fault")
    if not scenario.expect_ok and ok:
        problems.append("reported success although the host could not be read")
    if ok and cmd.name.startswith("bind"):
        uuid = {
            "bind (exact match)": seed.MY_PROJECT.project_uuid,
            "bind --bind-ref": seed.DATA_PIPELINE.project_uuid,
            "bind (choose by --select)": seed.UNBOUND_PROJECT.project_uuid,
        }[cmd.name]
        count = _active_for(url, uuid)
        if count != 1:
            problems.append(f"{count} active mappings for the project after the bind")
    if ok:
        outcome = "ok"
    else:
        last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
        outcome = f"exit {proc.returncode}: {last.removeprefix('error: ')[:60]}"
    return Cell(scenario.name, cmd.name, proc.returncode, outcome, problems)


@contextlib.contextmanager
def running_host() -> Iterator[str]:
    settings = HostSettings(admin_token=SecretStr(ADMIN), viewer_token=SecretStr(VIEWER), dev=True)
    with run_in_thread(settings) as host:
        yield host.url


def run_scenario(url: str, scenario: Scenario) -> list[Cell]:
    with tempfile.TemporaryDirectory(prefix="sk-faults-") as tmp:
        work = Path(tmp)
        template = work / "template"
        write_demo_repos(template)
        _extra_repos(template)
        return [run_cell(url, scenario, cmd, template, work) for cmd in COMMANDS]


def render(cells: list[Cell]) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Fault matrix: scenario × command → outcome", show_lines=False)
    table.add_column("scenario")
    commands = [c.name for c in COMMANDS]
    for name in commands:
        table.add_column(name, overflow="fold")
    present = {c.scenario for c in cells}
    for scenario in (s for s in SCENARIOS if s.name in present):
        row = [scenario.name]
        for name in commands:
            cell = next(c for c in cells if c.scenario == scenario.name and c.command == name)
            mark = "" if not cell.problems else "  ✗ " + "; ".join(cell.problems)
            row.append(("ok" if cell.outcome == "ok" else f"exit {cell.exit_code}") + mark)
        table.add_row(*row)
    console = Console(width=220, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(table)
    notes = sorted({(c.scenario, c.outcome) for c in cells if c.outcome != "ok"})
    text = console.export_text()
    text += "\nMessages of the runs that ended in an error (one per scenario):\n"
    seen: set[str] = set()
    for scenario, outcome in notes:
        if scenario not in seen:
            seen.add(scenario)
            text += f"  {scenario}: {outcome}\n"
    return text


def main() -> int:
    with running_host() as url:
        cells = [cell for scenario in SCENARIOS for cell in run_scenario(url, scenario)]
    print(render(cells))
    bad = [c for c in cells if c.problems]
    print(f"{len(cells)} runs, {len(bad)} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
