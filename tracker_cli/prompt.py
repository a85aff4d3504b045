"""Reading answers from stdin so prompts work from a pipe and over SSH, and fail
clearly (never hang) when nothing will ever arrive."""

from __future__ import annotations

import select
import sys

from tracker_core.errors import BindError

PIPE_WAIT_SECONDS = 10.0


def read_answer(question: str, *, hint: str) -> str:
    """One line from stdin after printing ``question`` on stderr. With no TTY and no
    input within a few seconds (or at end of input) it raises with ``hint``."""
    sys.stderr.write(question)
    sys.stderr.flush()
    stream = sys.stdin
    if stream is None or stream.closed:
        raise BindError(f"no input available; {hint}")
    interactive = False
    try:
        interactive = stream.isatty()
        if not interactive:
            ready, _, _ = select.select([stream], [], [], PIPE_WAIT_SECONDS)
            if not ready:
                raise BindError(f"no answer on stdin; {hint}")
    except (ValueError, OSError, TypeError):
        pass  # not a real file (e.g. a test runner's buffer): just read it
    line = stream.readline()
    if not line:
        sys.stderr.write("\n")
        raise BindError(f"no answer on stdin (end of input); {hint}")
    return line.strip()
