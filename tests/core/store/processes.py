"""Running writer scripts in separate processes at once (concurrency tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def run_at_once(script: str, argvs: list[list[str]]) -> None:
    """Start ``script`` (a file beside this one) once per argv, all together, and
    wait for every one to succeed."""
    path = Path(__file__).with_name(script)
    procs = [
        subprocess.Popen(
            [sys.executable, str(path), *argv],
            cwd=PROJECT_ROOT,
            env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
