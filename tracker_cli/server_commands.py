"""The commands that start servers: ``host`` (the reference host), ``dashboard`` and
``demo`` (host, demo repos and dashboard together). Each checks its extras first."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .errors import handle_errors, require_extras


def host(ctx: typer.Context) -> None:
    """Run the reference host (see `sk-tracker host --help`)."""
    require_extras("host")
    from tracker_host.__main__ import main as host_main

    raise typer.Exit(host_main(list(ctx.args)))


def dashboard(
    port: Annotated[int, typer.Option("--port", help="Port for the dashboard.")] = 8501,
    address: Annotated[str, typer.Option("--address", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Run the Streamlit dashboard (settings from the environment)."""
    from .launch import run_dashboard

    require_extras("dashboard")

    raise typer.Exit(run_dashboard(port=port, address=address))


def demo(
    port: Annotated[int, typer.Option("--port", help="Port for the dashboard.")] = 8501,
    folder: Annotated[
        Path | None, typer.Option("--folder", help="Where to write the demo repos.")
    ] = None,
    no_browser: Annotated[
        bool,
        typer.Option("--no-browser", help="Do not start the dashboard; print how to use the CLI."),
    ] = False,
) -> None:
    """Start the reference host with demo data, demo repos, and the dashboard."""
    from .launch import run_demo

    require_extras("host", *(() if no_browser else ("dashboard",)))

    raise typer.Exit(run_demo(port=port, folder=folder, dashboard=not no_browser))


def register(app: typer.Typer) -> None:
    app.command(
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(handle_errors(host))
    for command in (dashboard, demo):
        app.command()(handle_errors(command))
