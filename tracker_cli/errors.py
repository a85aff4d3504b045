"""The one place where failures become exit codes and one-line messages.

0 done, 1 an operational error (one line on stderr, never a traceback unless
``--debug``), 2 bad usage (a face whose extra is not installed is one). Every
command is wrapped by ``handle_errors``.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

P = ParamSpec("P")
R = TypeVar("R")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 141  # what a shell reports for a writer stopped by SIGPIPE

# The extras of pyproject.toml that a command may need, and the modules they bring.
EXTRAS: dict[str, tuple[str, ...]] = {
    "dashboard": ("streamlit", "pandas", "altair", "authlib"),
    "host": ("fastapi", "uvicorn"),
}


class MissingExtraError(Exception):
    """A face needs an extra that is not installed."""

    def __init__(self, extras: tuple[str, ...]) -> None:
        super().__init__(f"missing extras: {', '.join(extras)}")
        self.extras = extras


def require_extras(*extras: str) -> None:
    """Before starting a face (perhaps in a child process): every module of its
    extras is installed, else ``MissingExtraError`` naming the missing extras."""
    missing = tuple(
        extra
        for extra in extras
        if any(importlib.util.find_spec(module) is None for module in EXTRAS[extra])
    )
    if missing:
        raise MissingExtraError(missing)


def _missing_extras(exc: Exception) -> tuple[str, ...]:
    if isinstance(exc, MissingExtraError):
        return exc.extras
    if isinstance(exc, ModuleNotFoundError):
        root = (exc.name or "").partition(".")[0]
        return tuple(extra for extra, modules in EXTRAS.items() if root in modules)[:1]
    return ()


def debug_enabled() -> bool:
    return os.environ.get("SK_TRACKER_DEBUG", "").lower() in {"1", "true", "yes"}


def fail(message: str, code: int = EXIT_ERROR) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    from tracker_core.safe_text import clean_text

    sys.stderr.write(f"error: {clean_text(message, max_len=1000)}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from tracker_core.errors import TrackerError

        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except TrackerError as exc:
            if debug_enabled():
                raise
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted", 130) from None
        except BrokenPipeError:
            # The reader left (``| head``): stop quietly, and keep the interpreter's
            # final flush from complaining about the closed pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except Exception as exc:
            extras = sorted(_missing_extras(exc))
            if extras:
                names = ",".join(extras)
                raise fail(
                    f"this command needs the {' and '.join(extras)} "
                    f"extra{'s' if len(extras) > 1 else ''}: "
                    f"pip install 'sk-tracker[{names}]'",
                    EXIT_USAGE,
                ) from None
            if debug_enabled():
                raise
            raise fail(
                f"unexpected failure ({type(exc).__name__}); rerun with --debug for details"
            ) from None

    return wrapper
