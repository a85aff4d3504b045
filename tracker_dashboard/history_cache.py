"""Cached reads of the audit history for the Overview, Trends and Changes pages.

Keyed by the store (its masked URL), host, team and the period asked for; shared by
every session like the host reads (the history is read data the whole team may see).
A new recorded audit or the Refresh button clears them.
"""

from __future__ import annotations

import logging
from datetime import datetime

import streamlit as st

from tracker_core.errors import TrackerError
from tracker_core.flows.history import Change, History
from tracker_core.store.records import Snapshot
from tracker_core.tables.health import Totals
from tracker_core.tables.history_frames import deltas, since_label

from .tab_session import DashboardSession

TTL_SECONDS = 120.0
log = logging.getLogger("tracker_dashboard.history")


def history_of(session: DashboardSession) -> History:
    if session.service.history is None:
        return History.from_settings(session.settings)
    return session.service.history


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner="Reading the history…")
def _snapshots(
    store: str, host: str, team: str, since: datetime | None, _history: History
) -> list[Snapshot]:
    return _history.snapshots(host=host, team=team, since=since)


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner="Comparing audits…")
def _changes(
    store: str, host: str, team: str, since: datetime | None, _history: History
) -> list[Change]:
    return _history.changes(host=host, team=team, since=since)


@st.cache_data(ttl=TTL_SECONDS, max_entries=16, show_spinner=False)
def _previous_day(
    store: str, host: str, team: str, roots: tuple[str, ...], day: str, _history: History
) -> Snapshot | None:
    from pathlib import Path

    return _history.previous_day(host=host, team=team, roots=[Path(r) for r in roots])


def snapshots(session: DashboardSession, since: datetime | None) -> list[Snapshot]:
    h = history_of(session)
    return _snapshots(h.store.masked_url, session.host, session.team, since, h)


def changes(session: DashboardSession, since: datetime | None) -> list[Change]:
    h = history_of(session)
    return _changes(h.store.masked_url, session.host, session.team, since, h)


def previous_day(session: DashboardSession) -> Snapshot | None:
    """The newest audit of this dashboard's roots recorded before today (UTC)."""
    from datetime import UTC

    h = history_of(session)
    roots = tuple(str(r) for r in session.repo_roots)
    today = datetime.now(UTC).date().isoformat()
    return _previous_day(h.store.masked_url, session.host, session.team, roots, today, h)


def clear() -> None:
    _snapshots.clear()
    _changes.clear()
    _previous_day.clear()


def day_deltas(session: DashboardSession, totals: Totals) -> tuple[dict[str, int | None], str]:
    """Each Overview count's change since the newest audit recorded before today, and
    a caption saying which one; nothing (and why) when there is none or the store
    cannot be read: the Overview never stops for the history."""
    try:
        previous = previous_day(session)
    except TrackerError as exc:
        log.warning("history not read for the overview: %s", exc)
        return {}, "Changes since yesterday are not shown: the history store cannot be read."
    if previous is None:
        return {}, ""
    return deltas(totals, previous), f"Changes since the audit of {since_label(previous)}."


# Periods offered by the pages: days back from the start of today (UTC); None: all.
TREND_PERIODS: dict[str, int | None] = {"30 days": 30, "90 days": 90, "1 year": 365, "All": None}
CHANGE_PERIODS: dict[str, int | None] = {
    "Since the previous audit": None,
    "Today": 0,
    "7 days": 7,
    "30 days": 30,
}


def days_back(days: int | None) -> datetime | None:
    """The start of the day ``days`` before today (UTC): stable within a day, so it
    keys the caches."""
    from datetime import UTC, timedelta

    from tracker_core.flows.history import start_of_day

    if days is None:
        return None
    return start_of_day(datetime.now(UTC)) - timedelta(days=days)


def roots_label(roots: tuple[str, ...]) -> str:
    return ", ".join(roots) or "(no roots)"
