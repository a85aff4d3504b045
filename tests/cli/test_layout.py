"""Output layout: piped output is plain columns (no box art, no trailing spaces, one
row per line); on an 80-column terminal every line fits and ids are never folded."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import termios
from pathlib import Path

import pytest

from tests.cli.conftest import PYTHON_MODULE, Cli
from tracker_host import seed
from tracker_host.demo_repos import write_demo_repos

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
BOX = re.compile(r"[│┃━┏┓┗┛╭╮╰╯┡┩╇┳┻]")
REPOS = ("my-project", "billing-service", "search-indexer", "crm-sync", "mobile-app")


def on_terminal(cli: Cli, args: list[str], *, columns: int, cwd: Path) -> tuple[int, str]:
    """Run with stdout on a pseudo-terminal ``columns`` wide; (exit code, text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = cli.env(TERM="xterm-256color", NO_COLOR="1")
    with subprocess.Popen(
        [*PYTHON_MODULE, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=env,
    ) as proc:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=60)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return code, ANSI.sub("", text)


@pytest.fixture
def demo_root(repos: Path) -> Path:
    write_demo_repos(repos)
    return repos


@pytest.mark.parametrize(
    "args",
    [["audit", "ROOT"], ["status", "--all"], ["discover", "--all"], ["status"]],
)
def test_piped_output_is_plain_columns(cli: Cli, demo_root: Path, args: list[str]) -> None:
    argv = [str(demo_root) if a == "ROOT" else a for a in args]
    result = cli.run(*argv, cwd=demo_root / "my-project")
    assert result.code in (0, 1), result
    lines = result.out.splitlines()
    assert lines and not BOX.search(result.out), result.out
    assert all(line == line.rstrip() for line in lines)
    if args[0] == "audit":
        for name in REPOS:  # one line per repo, with its state on it
            assert len([line for line in lines if line.startswith(name + " ")]) == 1


@pytest.mark.parametrize(
    "args",
    [["audit", "ROOT"], ["status", "--all"], ["discover", "--all"], ["status"]],
)
def test_an_80_column_terminal_gets_lines_that_fit(
    cli: Cli, demo_root: Path, args: list[str]
) -> None:
    argv = [str(demo_root) if a == "ROOT" else a for a in args]
    code, text = on_terminal(cli, argv, columns=80, cwd=demo_root / "my-project")
    assert code in (0, 1), text
    too_long = [line for line in text.splitlines() if len(line.rstrip()) > 80]
    assert not too_long, text
    # Identifiers are shown whole, never folded across lines.
    if args[0] == "audit":
        for m in (seed.MY_PROJECT, seed.DELETED_SEARCH, seed.DISABLED_CRM):
            assert m.binding_ref in text, text
        for name in REPOS:
            assert name in text
    if args[0] == "status" and len(args) == 1:
        assert "Project binding" in text and "╭" in text  # a panel on a terminal
        assert seed.MY_PROJECT.binding_ref in text
    if args == ["status", "--all"]:
        for m in seed.MAPPINGS:
            if m.status != "deleted":
                assert m.binding_ref in text and m.project_slug in text, text


def test_a_wide_terminal_gets_tables(cli: Cli, demo_root: Path) -> None:
    code, text = on_terminal(cli, ["audit", str(demo_root)], columns=220, cwd=demo_root)
    assert code == 1
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Repo "))
    assert set(lines[header + 1].strip()) == {"─"}  # a rule under the header
    for name in REPOS:
        row = next(line for line in lines if line.startswith(name + " "))
        assert "  " in row


def test_a_reader_that_left_stops_the_output_quietly(cli: Cli, demo_root: Path) -> None:
    """``sk-tracker audit ROOT | head -1``: no error message when the pipe closes."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is already gone
    try:
        proc = subprocess.run(
            [*PYTHON_MODULE, "audit", str(demo_root)],
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""
