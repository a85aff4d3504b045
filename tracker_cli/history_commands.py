"""The store's commands: ``activity`` (the log of binds and writes), and the audit
history ones. None of them talks to the host: they read the store the settings name
(``SK_TRACKER_DATABASE_URL``, else the SQLite file beside the activity log)."""

from __future__ import annotations

import typer

from .context import JsonOpt
from .errors import handle_errors


def activity(as_json: JsonOpt = False) -> None:
    """The activity log: who bound, re-bound, upgraded or wrote what, newest first."""
    from tracker_core.access.settings import load_settings
    from tracker_core.flows.activity import ActivityLog

    from . import history_render, render

    entries = ActivityLog.from_settings(load_settings()).entries(newest_first=True)
    if as_json:
        render.print_json(history_render.activity_json(entries))
    elif entries:
        render.emit(history_render.activity_table(entries))
    else:
        render.note("Nothing recorded yet: binds, re-binds and upgrades appear here.")


def register(app: typer.Typer) -> None:
    app.command()(handle_errors(activity))
