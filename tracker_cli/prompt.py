"""Reading answers from stdin so prompts work from a pipe and over SSH, and fail
clearly (never hang) when nothing will ever arrive.

A piped stdin is read straight from its file descriptor, one line per answer: a
script that writes every answer up front (``printf 'y\\n2\\n' | sk-tracker bind``)
while keeping the pipe open must still get its second answer read, which Python's
buffered ``sys.stdin`` would hide from ``select``.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from tracker_core.errors import BindError

T = TypeVar("T")

TIMEOUT_ENV = "SK_TRACKER_PROMPT_TIMEOUT"
TRIES = 3
DEFAULT_WAIT_SECONDS = 30.0


def wait_seconds() -> float:
    """How long a prompt waits for a line on a non-terminal stdin."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_WAIT_SECONDS
    except ValueError:
        return DEFAULT_WAIT_SECONDS
    return value if value > 0 else DEFAULT_WAIT_SECONDS


class _NoAnswer(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _FdLines:
    """Lines from a file descriptor without read-ahead past what callers see."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.eof = False

    def readline(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer and not self.eof:
            remaining = deadline - time.monotonic()
            ready = remaining > 0 and select.select([self.fd], [], [], remaining)[0]
            if not ready:
                raise _NoAnswer("no answer on stdin")
            chunk = os.read(self.fd, 4096)
            if chunk:
                self.buffer += chunk
            else:
                self.eof = True
        line, newline, rest = self.buffer.partition(b"\n")
        self.buffer = rest
        if not line and not newline:
            raise _NoAnswer("no answer on stdin (end of input)")
        return line.decode("utf-8", errors="replace")


_piped: _FdLines | None = None


def _pipe_reader(fd: int) -> _FdLines:
    global _piped
    if _piped is None or _piped.fd != fd:
        _piped = _FdLines(fd)
    return _piped


def read_answer(question: str, *, hint: str) -> str:
    """One line from stdin after printing ``question`` on stderr.

    On a terminal it waits for the user. Otherwise it waits at most
    ``$SK_TRACKER_PROMPT_TIMEOUT`` seconds (default 30), and the end of input or no
    answer in time raises ``BindError`` naming ``hint`` (the non-interactive flag)."""
    sys.stderr.write(question)
    sys.stderr.flush()
    stream = sys.stdin
    if stream is None or stream.closed:
        sys.stderr.write("\n")
        raise BindError(f"no input available; {hint}")
    try:
        fd = stream.fileno()
        interactive = os.isatty(fd)
    except (AttributeError, ValueError, OSError):
        fd, interactive = -1, False
    try:
        if interactive:
            line = stream.readline()
            if not line:
                raise _NoAnswer("no answer on stdin (end of input)")
            return line.strip()
        if fd < 0:  # not a real file (a test runner's buffer): read it as it is
            line = stream.readline()
            if not line:
                raise _NoAnswer("no answer on stdin (end of input)")
            answer = line.strip()
        else:
            answer = _pipe_reader(fd).readline(wait_seconds()).strip()
    except _NoAnswer as missing:
        sys.stderr.write("\n")
        raise BindError(f"{missing.why}; {hint}") from None
    # Echo a piped answer so the transcript reads like a terminal session.
    sys.stderr.write(answer + "\n")
    sys.stderr.flush()
    return answer


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and os.isatty(sys.stdin.fileno())
    except (AttributeError, ValueError, OSError):
        return False


def ask(question: str, *, hint: str, parse: Callable[[str], T], tries: int = TRIES) -> T:
    """``read_answer`` until ``parse`` accepts the answer. ``parse`` raises
    ``ValueError`` saying what is wrong. On a terminal a bad answer is asked again (at
    most ``tries`` times in all); from a pipe it is one clear error at once, since a
    script's next line was meant for the next question."""
    for attempt in range(1, tries + 1):
        answer = read_answer(question, hint=hint)
        try:
            return parse(answer)
        except ValueError as bad:
            left = tries - attempt
            if not _stdin_is_terminal() or left == 0:
                raise BindError(f"{bad}; nothing changed") from None
            sys.stderr.write(f"{bad}; try again ({left} {'try' if left == 1 else 'tries'} left)\n")
            sys.stderr.flush()
    raise AssertionError("unreachable")  # the loop returns or raises


def yes_no(default: bool) -> Callable[[str], bool]:
    """A parser for a [y/n] question: empty takes ``default``."""

    def parse(answer: str) -> bool:
        word = answer.strip().lower()
        if not word:
            return default
        if word in {"y", "yes"}:
            return True
        if word in {"n", "no"}:
            return False
        raise ValueError(f"answer y or n, not {answer!r}")

    return parse
