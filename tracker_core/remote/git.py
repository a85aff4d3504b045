"""Running git for the remote side, non-interactively and without secrets.

Credentials stay the user's: git's credential helpers, the ssh agent and
``GIT_ASKPASS`` work as usual, but git never prompts on a terminal
(``GIT_TERMINAL_PROMPT=0``, ssh in batch mode), so nothing hangs waiting for a
password. Failures become a :class:`RemoteError` holding git's one-line reason with
any ``user:password@`` removed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from tracker_core.errors import RemoteError
from tracker_core.remote.urls import redact

GIT_TIMEOUT = 300.0
_NOISE = ("remote: Counting", "remote: Compressing", "remote: Total", "remote: Enumerating")


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GCM_INTERACTIVE"] = "never"
    env["LC_ALL"] = "C"
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    # A partial clone must not fall back to fetching everything if the server
    # ignores the filter, and a mirror never needs hooks or a pager.
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    return env


def one_line(stderr: str, fallback: str) -> str:
    """What git's stderr says went wrong, as one line without secrets: a ``fatal:``
    line, else the server's own words and a rejected ref's reason (a push), else an
    ``error:`` line, else the last line (which may be only a hint)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith("fatal:")]
    said = [
        ln.removeprefix("remote:").strip()
        for ln in lines
        if ln.startswith("remote:") and not ln.startswith(_NOISE)
    ]
    rejected = [ln.lstrip("! ") for ln in lines if ln.startswith("! [")]
    errors = [ln for ln in lines if ln.startswith("error:")]
    if fatal:
        text = fatal[0]
    elif said or rejected:
        text = "; ".join([*said, *rejected])
    elif errors:
        text = errors[0]
    else:
        text = lines[-1] if lines else fallback
    return redact(" ".join(text.split()))[:300]


def run_git(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = GIT_TIMEOUT,
) -> bytes:
    """Run ``git args`` and return its stdout; ``RemoteError`` with git's reason
    when it fails or outlasts ``timeout``."""
    command = ["git", *args]
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            input=stdin if stdin is not None else b"",
            capture_output=True,
            env=env if env is not None else git_env(),
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RemoteError(f"git {args[0]} gave no answer within {timeout:.0f} s") from None
    except OSError as exc:
        raise RemoteError(f"cannot run git: {exc.strerror or exc}") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        raise RemoteError(one_line(stderr, f"git {args[0]} failed ({done.returncode})"))
    return done.stdout
