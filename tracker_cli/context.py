"""The options every host command shares (``--saas-url``, ``--token-file``,
``--debug``), given to the command as one ``HostOptions``, and turning them into
settings, a service and a repo path."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .errors import debug_enabled

if TYPE_CHECKING:
    from tracker_core.access.settings import Settings
    from tracker_core.flows.service import TrackerService

SaasUrl = Annotated[
    str | None,
    typer.Option(
        "--saas-url", help="Host origin (default: $SPEC_KITTY_SAAS_URL).", show_default=False
    ),
]
TokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="File holding the bearer token (default: $SK_TRACKER_TOKEN, "
        "else $SK_TRACKER_TOKEN_FILE).",
        show_default=False,
    ),
]
RepoOpt = Annotated[
    Path | None,
    typer.Option(
        "--repo",
        help="Repo folder (default: the one holding the current directory).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


DebugOpt = Annotated[
    bool,
    typer.Option("--debug", help="Show tracebacks and debug logs on failure.", show_default=False),
]


def set_debug(enabled: bool) -> None:
    if enabled and not debug_enabled():
        os.environ["SK_TRACKER_DEBUG"] = "1"
        import logging

        logging.basicConfig(level=logging.DEBUG)
        # One line per request is enough; connection-level chatter hides the story.
        logging.getLogger("httpcore").setLevel(logging.WARNING)


@dataclass(frozen=True)
class HostOptions:
    """Where the host is and which token to use, as given on the command line."""

    saas_url: str | None = None
    token_file: Path | None = None

    def settings(self) -> Settings:
        from tracker_core.access.settings import load_settings

        overrides: dict[str, object] = {"saas_url": self.saas_url}
        if self.token_file is not None:
            # An explicit --token-file beats a token from the environment.
            overrides["token_file"] = self.token_file
            overrides["token"] = ""
        return load_settings(**overrides)

    def service(self, settings: Settings | None = None) -> TrackerService:
        from tracker_core.flows.service import TrackerService

        return TrackerService.from_settings(settings or self.settings())


_SHARED = {"saas_url": (SaasUrl, None), "token_file": (TokenFile, None), "debug": (DebugOpt, False)}


def host_command(fn: Callable[..., None]) -> Callable[..., None]:
    """Give a command the shared options: ``--saas-url``, ``--token-file`` and
    ``--debug`` are added to its signature (typer reads that), ``--debug`` takes
    effect at once, and the command receives the rest as ``host: HostOptions``."""
    own = inspect.signature(fn, eval_str=True)
    params = [p for p in own.parameters.values() if p.name != "host"]
    params += [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
        for name, (kind, default) in _SHARED.items()
    ]

    @functools.wraps(fn)
    def command(
        *args: Any,
        saas_url: str | None = None,
        token_file: Path | None = None,
        debug: bool = False,
        **kwargs: Any,
    ) -> None:
        set_debug(debug)
        fn(*args, host=HostOptions(saas_url, token_file), **kwargs)

    command.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return command


def find_repo(start: Path | None) -> Path:
    """The folder holding ``.kittify/`` or ``.git`` at or above ``start`` (default cwd)."""
    from tracker_core.errors import UsageError

    origin = (start or Path.cwd()).expanduser()
    if not origin.exists():
        raise UsageError(f"repo path {origin} does not exist")
    here = origin.resolve()
    for folder in (here, *here.parents):
        if (folder / ".kittify").is_dir() or (folder / ".git").exists():
            return folder
    if start is not None:
        return here
    raise UsageError(f"no repo found at or above {here} (no .kittify/ or .git); pass --repo PATH")
