"""Turning command-line options into settings, a service and a repo path."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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


def settings_from(saas_url: str | None, token_file: Path | None) -> Settings:
    from tracker_core.access.settings import load_settings

    overrides: dict[str, object] = {"saas_url": saas_url}
    if token_file is not None:
        # An explicit --token-file beats a token from the environment.
        overrides["token_file"] = token_file
        overrides["token"] = ""
    return load_settings(**overrides)


def service_from(
    saas_url: str | None, token_file: Path | None, settings: Settings | None = None
) -> TrackerService:
    from tracker_core.flows.service import TrackerService

    return TrackerService.from_settings(settings or settings_from(saas_url, token_file))


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
