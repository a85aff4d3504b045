"""Who is acting, as the activity log names them: the same person whichever face
(CLI, notebook, dashboard) they use.

The signed-in person when a deployment has sign-in, else the git ``user.email`` of
the user running the process, else ``user@host``. The host's ``/me`` answer is not
used: a token is often shared (a team token, the demo's admin token) and names no one.
"""

from __future__ import annotations

import functools
import getpass
import os
import socket
import subprocess
from pathlib import Path

from tracker_core.safe_text import clean_text


def person(signed_in: str | None = None) -> str:
    """The actor for the activity log."""
    if signed_in and signed_in.strip():
        return clean_text(signed_in.strip(), max_len=200)
    return local_person()


@functools.cache
def local_person() -> str:
    """git ``user.email`` (global or system config), else ``user@host``."""
    return _git_email() or f"{_login()}@{socket.gethostname() or 'localhost'}"


def _git_email() -> str | None:
    try:
        done = subprocess.run(
            ["git", "config", "--get", "user.email"],
            # From the home folder, not the current directory: an audited repo's own
            # .git/config must not choose who the log says acted.
            cwd=Path.home() if Path.home().is_dir() else "/",
            env={**os.environ, "GIT_DIR": os.devnull},
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    email = done.stdout.strip() if done.returncode == 0 else ""
    return clean_text(email, max_len=200) if email else None


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "user"
