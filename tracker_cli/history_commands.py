"""The store's commands: ``activity`` (the log of binds and writes), ``history`` and
``changes`` (the recorded audits), and the recording behind ``audit --record``. The
readers never talk to the host: they read the store the settings name
(``SK_TRACKER_DATABASE_URL``, else the SQLite file beside the activity log)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from .context import JsonOpt
from .errors import EXIT_ERROR, handle_errors

if TYPE_CHECKING:
    from rich.console import RenderableType

    from tracker_core.errors import StoreError
    from tracker_core.flows.audit import AuditReport
    from tracker_core.flows.history import History
    from tracker_core.flows.service import TrackerService

T = TypeVar("T")

SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="From this date (YYYY-MM-DD, UTC), ISO time or age (7d, 12h).",
        show_default=False,
    ),
]


def record_audit(
    service: TrackerService, report: AuditReport, roots: Sequence[Path | str]
) -> str | StoreError:
    """Save the audit (with the host's resources) and say what was saved, or the
    store's failure (raised by the caller once the audit is shown)."""
    from tracker_core.errors import StoreError

    if report.provider_errors:
        return "not recorded: the host could not be read for every provider"
    inventories = service.discover_all()
    try:
        snapshot = service.record(report, roots, source="cli", inventories=inventories)
    except StoreError as exc:
        return exc
    assert snapshot is not None
    return f"recorded snapshot {snapshot.id} of {snapshot.repos} repos"


@dataclass(frozen=True)
class _Scope:
    """The recorded audits of this host and team, from ``since`` on."""

    store: History
    host: str | None
    team: str | None
    since: datetime | None


def _scope(since: str | None) -> _Scope:
    from tracker_core.access.settings import load_settings
    from tracker_core.flows.history import History, parse_since
    from tracker_core.host.client import origin_of

    settings = load_settings()
    return _Scope(
        store=History.from_settings(settings),
        host=origin_of(settings.saas_url) if settings.saas_url else None,
        team=settings.team,
        since=parse_since(since) if since else None,
    )


def _show(
    rows: Sequence[T],
    as_json: bool,
    to_json: Callable[[Sequence[T]], object],
    table: Callable[[Sequence[T]], RenderableType],
    empty: str,
) -> None:
    """A listing as JSON, or as a table, or the note that there is nothing yet."""
    from . import terminal

    if as_json:
        terminal.print_json(to_json(rows))
    elif rows:
        terminal.emit(table(rows))
    else:
        terminal.note(empty)


def activity(as_json: JsonOpt = False) -> None:
    """The activity log: who bound, re-bound, upgraded or wrote what, newest first."""
    from tracker_core.access.settings import load_settings
    from tracker_core.flows.activity import ActivityLog

    from . import history_render

    entries = ActivityLog.from_settings(load_settings()).entries(newest_first=True)
    _show(
        entries,
        as_json,
        history_render.activity_json,
        history_render.activity_table,
        "Nothing recorded yet: binds, re-binds and upgrades appear here.",
    )


def history(since: SinceOpt = None, as_json: JsonOpt = False) -> None:
    """Recorded audits, oldest first: when, who, and the repos in each state."""
    from . import history_render

    scope = _scope(since)
    _show(
        scope.store.snapshots(host=scope.host, team=scope.team, since=scope.since),
        as_json,
        history_render.history_json,
        history_render.history_table,
        "No audits recorded yet: run sk-tracker audit ROOT… --record.",
    )


def changes(
    since: SinceOpt = None,
    as_json: JsonOpt = False,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a change of these kinds happened "
            "(stale, fixed, appeared, gone, moved, changed; comma-separated).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """What changed per repo since a date (default: since the previous recorded audit)."""
    from tracker_core.flows.history import parse_kinds

    from . import history_render, terminal

    kinds = parse_kinds(fail_on) if fail_on is not None else []
    scope = _scope(since)
    found = scope.store.changes(host=scope.host, team=scope.team, since=scope.since)
    _show(
        found,
        as_json,
        history_render.changes_json,
        history_render.changes_table,
        "No changes between the recorded audits compared.",
    )
    hit = sorted({c.kind for c in found} & set(kinds))
    if hit:
        terminal.warn(f"changes of kind {', '.join(hit)} happened")
        raise typer.Exit(EXIT_ERROR)


def register(app: typer.Typer) -> None:
    for command in (activity, history, changes):
        app.command()(handle_errors(command))
