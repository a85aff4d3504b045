"""``sk-tracker audit``: every repo under the given folders and git remotes against
the host, optionally upgrading legacy repos and recording the audit in the history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import history_commands
from .context import HostOptions, JsonOpt, host_command
from .errors import EXIT_ERROR, EXIT_USAGE, fail, handle_errors


def audit(
    roots: Annotated[
        list[str] | None,
        typer.Argument(
            help="Folders to search for repos, or git remote URLs (https://, ssh://, git://, "
            "file://, git@host:org/repo.git). Default: $SK_TRACKER_REPO_ROOTS and "
            "the remotes listed in $SK_TRACKER_REPO_SOURCES.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    apply_upgrades: Annotated[
        bool,
        typer.Option(
            "--apply-upgrades", help="Write binding_ref into legacy repos the host can upgrade."
        ),
    ] = False,
    record: Annotated[
        bool,
        typer.Option("--record", help="Save this audit in the history (for cron and CI)."),
    ] = False,
    *,
    host: HostOptions,
) -> None:
    """Audit every repo under ROOT… (folders and git remotes) against the host.

    Exits 1 if any repo needs action."""
    from tracker_core.errors import TrackerError
    from tracker_core.flows.audit import after_upgrades, split_roots

    from . import render, terminal
    from .remotes import remote_progress

    settings = host.settings()
    chosen: list[Path | str] = (
        list(roots) if roots else [*settings.repo_roots, *settings.remote_roots]
    )
    if not chosen:
        raise fail(
            "give the folders or git remotes to audit: sk-tracker audit ROOT… "
            "(or set SK_TRACKER_REPO_ROOTS); SK_TRACKER_REPO_SOURCES names a file of remotes",
            EXIT_USAGE,
        )
    folders, remotes = split_roots(chosen)
    for root in folders:
        if not root.is_dir():
            raise fail(f"{root} is not a folder or a git remote URL", EXIT_USAGE)
    with host.service(settings) as service:
        if terminal.err.is_terminal and not as_json:
            with remote_progress(len(remotes)) as progress:
                report = service.audit([*folders, *remotes], progress=progress)
        else:
            report = service.audit([*folders, *remotes])
        upgrades = service.apply_upgrades(report) if apply_upgrades else []
        report = after_upgrades(report, upgrades)
        recorded = history_commands.record_audit(service, report, chosen) if record else None
    if as_json:
        terminal.print_json(render.audit_json(report, upgrades))
    else:
        terminal.emit(render.audit_table(report))
        if report.unclaimed:
            terminal.note("")
            terminal.emit(render.unclaimed_table(report))
        for u in upgrades:
            name = u.name or u.repo.name
            terminal.note(
                f"upgraded {name} to {u.binding_ref}"
                if u.ok
                else f"{name}: not upgraded: {u.error}"
            )
        for line in render.audit_footer(report):
            terminal.note(line)
    if isinstance(recorded, TrackerError):
        raise fail(str(recorded))  # after the audit's own output, which stands
    if recorded:
        terminal.emit(terminal.t(recorded), terminal.err)  # stderr: --json output stays JSON
    if report.provider_errors:
        names = ", ".join(sorted(report.provider_errors))
        first = report.provider_errors[min(report.provider_errors)]
        raise fail(
            f"the host could not be read for {names}, so those repos are unverified: {first}"
        )
    if report.needs_action:
        raise typer.Exit(EXIT_ERROR)


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(host_command(audit)))
