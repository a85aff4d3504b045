"""Servers started as child processes: wait until they answer."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

# A hang guard for a loaded machine, not a timing claim.
START_LIMIT_SECONDS = 120


def wait_healthy(
    url: str,
    proc: subprocess.Popen[bytes],
    log_file: Path,
    headers: dict[str, str] | None = None,
) -> None:
    """Until ``url`` answers 200; fail with the log's tail if the server exits first."""
    deadline = time.monotonic() + START_LIMIT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url} exited early:\n{log_file.read_text()[-2000:]}")
        try:
            if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not start:\n{log_file.read_text()[-2000:]}")
