"""The marker a mirror keeps of the last time its remote was asked: its mtime is that
time (the freshness window reads it), its text the bind branches the remote had."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from tracker_core.remote.probe import BRANCH_PREFIX

CHECKED_FILE = "sk-tracker-checked"


def checked_at(git_dir: Path) -> float:
    """When the remote was last asked (0: never, or the marker is gone)."""
    try:
        return (git_dir / CHECKED_FILE).stat().st_mtime
    except OSError:
        return 0.0


def checked_branches(git_dir: Path) -> tuple[str, ...]:
    """The bind branches the remote had when last asked (kept in the marker)."""
    try:
        names = json.loads((git_dir / CHECKED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    if not isinstance(names, list):
        return ()
    return tuple(n for n in names if isinstance(n, str) and n.startswith(BRANCH_PREFIX))


def _write(git_dir: Path, names: list[str], mtime_ns: int) -> None:
    """Replace the marker whole (a reader never sees half of it), dated ``mtime_ns``."""
    temp = git_dir / f".{CHECKED_FILE}.{os.getpid()}.{threading.get_ident()}"
    try:
        temp.write_text(json.dumps(names), encoding="utf-8")
        os.utime(temp, ns=(mtime_ns, mtime_ns))
        os.replace(temp, git_dir / CHECKED_FILE)
    except OSError:  # only a shortcut: the next audit that asks the remote learns it
        temp.unlink(missing_ok=True)


def remember_bind_branch(git_dir: Path, branch: str) -> None:
    """Note a bind branch this tool just pushed, for audits read within the freshness
    window; the marker keeps its time (when the remote was asked)."""
    try:
        asked = (git_dir / CHECKED_FILE).stat().st_mtime_ns
    except OSError:
        return
    _write(git_dir, sorted({*checked_branches(git_dir), branch}), asked)


def mark_checked(git_dir: Path, bind_branches: tuple[str, ...]) -> float:
    """Date the marker now, with the bind branches the remote has."""
    now = time.time_ns()
    _write(git_dir, list(bind_branches), now)
    return now / 1e9
