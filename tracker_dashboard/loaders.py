"""Cached reads for the pages.

Host reads are cached with ``st.cache_resource``, which is shared by every session
of the server: the key is the host URL and the team (plus, for the audit, the roots
and the scan's fingerprint), never the token. That is right because what is cached
is read data that every member of the team may see, admin or viewer alike; who is
allowed to *act* is decided per session (``session.py``) and checked again by
every mutating flow, never taken from a cache. A session whose token is rejected
stops at sign-in and never reaches these caches. ``cache_resource`` hands every
rerun the same read-only object where ``cache_data`` would unpickle a copy of 20,000
resources or 5,000 audited repos each time (most of a rerun); the pages only read
these frames (pandas copies on write), never change them in place.

Within the TTL a rerun makes no HTTP request. ``clear_all`` (the Refresh button)
and ``after_change`` (after a bind or an upgrade) drop them.

The repo scan is cached per file: ``RepoScanCache`` re-reads a config only when its
mtime, size or inode changed, and the audit is cached by that fingerprint (its
digest: hashing 5,000 stamps on every rerun would cost more), so a config written
by a bind (here or by anyone else) is audited again at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain
from pathlib import Path

import pandas as pd
import streamlit as st

from tracker_core.errors import HostUnavailableError, TrackerError
from tracker_core.flows.audit import AuditReport, Location
from tracker_core.flows.discovery import ProviderInventory
from tracker_core.flows.offline import offline_audit
from tracker_core.flows.service import TrackerService
from tracker_core.local.repo_cache import RepoScanCache, StampedScan
from tracker_core.local.scan import LocalRepo
from tracker_core.providers import PROVIDERS
from tracker_core.remote.scan import RemoteRepo
from tracker_core.remote.urls import RemoteProject
from tracker_core.tables import palette, views
from tracker_core.tables.names import relative_name

from . import history_cache
from .tab_session import DashboardSession


def _ttl() -> float:
    try:
        return max(1.0, float(os.environ.get("SK_TRACKER_CACHE_TTL", "120")))
    except ValueError:
        return 120.0


TTL_SECONDS = _ttl()
log = logging.getLogger("tracker_dashboard.loaders")


@dataclass(frozen=True)
class Inventory:
    """Discovery across every provider, as the pages need it."""

    health: pd.DataFrame  # views.provider_health
    fetched_at: datetime
    inventories: tuple[ProviderInventory, ...] = ()  # as read, for the history's totals

    @cached_property
    def resources(self) -> pd.DataFrame:
        """``views.resource_view``, built by the first page that shows resources (the
        sidebar and the Repositories page need only the health), once per read."""
        return views.resource_view(self.inventories)

    @property
    def unreachable(self) -> list[str]:
        frame = self.health
        return list(
            frame.loc[frame["connection"] == palette.CONNECTION_LABELS["unreachable"], "provider"]
        )


@dataclass(frozen=True)
class Audit:
    report: AuditReport
    repos: pd.DataFrame  # views.repo_view
    unclaimed: pd.DataFrame  # views.unclaimed_view
    fetched_at: datetime

    def name(self, repo: str | Path) -> str:
        """How the pages name ``repo``: its path under the root it was found in."""
        position = self.row(str(repo))
        return (
            self.report.rows[position].label
            if position is not None
            else relative_name(str(repo), [])
        )

    def writable(self, repos: Iterable[str], allowed_roots: Sequence[Path]) -> list[bool]:
        """``views.writable`` for ``repos`` (as the ``repo`` column names them): checked
        for the repos a page shows or acts on, not for all of them at every audit."""
        where: dict[str, Location] = {str(row.repo): row.repo for row in self.report.rows}
        return views.writable([where.get(r) or Path(r) for r in repos], allowed_roots)

    def row(self, repo: str) -> int | None:
        """Position of ``repo`` (its path as text) in ``report.rows``."""
        for i, row in enumerate(self.report.rows):
            if str(row.repo) == repo:
                return i
        return None


@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner="Reading the host…")
def _inventory(host: str, team: str, _service: TrackerService) -> Inventory:
    inventories = _service.discover_all()
    failures = [i.failure for i in inventories if i.failure is not None]
    if failures and len(failures) == len(inventories):
        # Nothing could be read: raise (not cached), so the next rerun tries again.
        raise failures[0]
    return Inventory(
        health=views.provider_health(inventories),
        fetched_at=datetime.now(UTC),
        inventories=tuple(inventories),
    )


@st.cache_resource(max_entries=8)
def _scan_cache(roots: tuple[str, ...]) -> RepoScanCache:
    return RepoScanCache([Path(r) for r in roots])


@st.cache_resource(ttl=TTL_SECONDS, max_entries=16, show_spinner="Auditing the repositories…")
def _audit(
    host: str,
    team: str,
    roots: tuple[str, ...],
    fingerprint: tuple[str, tuple[tuple[str, str | None, str | None], ...]],
    _service: TrackerService,
    _scan: StampedScan,
    _remotes: tuple[RemoteRepo, ...],
) -> Audit:
    # The configs are read as the audit asks for them: the host's listings arrive
    # meanwhile, as in the library's own audit.
    report = _service.audit_repos(chain(_scan.repos(), _remotes), walk=_scan.walk)
    if len(report.provider_errors) >= len(PROVIDERS):
        # No provider could be read: raise (not cached), so the next rerun tries again.
        raise HostUnavailableError(next(iter(report.provider_errors.values())))
    return Audit(
        report=report,
        # ``writable`` is worked out for the repos a page shows or acts on, per session
        # (``views.writable``): the audit is the same for every session of the team.
        repos=views.repo_view(report, None, with_writable=False),
        unclaimed=views.unclaimed_view(report),
        fetched_at=datetime.now(UTC),
    )


def inventory(session: DashboardSession) -> Inventory:
    if session.host_down is not None:
        raise HostUnavailableError(session.host_down)
    return _inventory(session.host, session.team, session.service)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def _remote_scan(urls: tuple[str, ...], _service: TrackerService) -> tuple[RemoteRepo, ...]:
    """The projects of the git remotes, fetched with a progress bar; kept for the TTL
    (Refresh fetches again). A remote that cannot be read is a row of its own."""
    bar = st.progress(0.0, text="Fetching git remotes…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=f"Fetching git remotes… {done}/{total} ({name})")

    try:
        return tuple(_service.scan_remotes(list(urls), progress=progress).repos)
    finally:
        bar.empty()


def _remote_stamp(repo: RemoteRepo) -> tuple[str, str | None, str | None]:
    return (str(repo.path), repo.config.fingerprint if repo.config else None, repo.unreachable)


NAMES_KEY = "_tracker_repo_names"
NAMES_FROM_KEY = "_tracker_repo_names_from"  # the audit NAMES_KEY was made from


def repo_name(repo: str | Path | RemoteProject) -> str:
    """How every panel names a repo: its path under the root it was found in (as
    the last audit read it), else its folder name; a remote project by its own name."""
    if isinstance(repo, RemoteProject):
        return repo.name
    names = st.session_state.get(NAMES_KEY)
    found = names.get(str(repo)) if isinstance(names, dict) else None
    return found if isinstance(found, str) else relative_name(str(repo), [])


def audit(session: DashboardSession) -> Audit:
    roots = tuple(str(r) for r in session.repo_roots)
    scan = _scan_cache(roots).stamped()
    remotes = _remote_scan(session.remote_roots, session.service) if session.remote_roots else ()
    if session.host_down is not None:
        # No request to the host: not cached, so Retry shows the host's answer at once.
        # The git remotes are read as usual (they do not need the host).
        found: list[LocalRepo | RemoteRepo] = [*scan.repos(), *remotes]
        report = offline_audit(found, f"host unreachable: {session.host_down}")
        return Audit(
            report=report,
            repos=views.repo_view(report, None, with_writable=False),
            unclaimed=views.unclaimed_view(report),
            fetched_at=datetime.now(UTC),
        )
    result = _audit(
        session.host,
        session.team,
        roots + session.remote_roots,
        (scan.key, tuple(_remote_stamp(r) for r in remotes)),
        session.service,
        scan,
        remotes,
    )
    if st.session_state.get(NAMES_FROM_KEY) is not result:  # once per audit read
        st.session_state[NAMES_KEY] = {str(r.repo): r.label for r in result.report.rows}
        st.session_state[NAMES_FROM_KEY] = result
    _record(session, result)
    return result


@st.cache_resource
def _offered() -> dict[tuple[str, str, tuple[str, ...]], datetime]:
    return {}


def _record(session: DashboardSession, shown: Audit) -> None:
    """Offer each audit this server reads to the history once; the store keeps at
    most one per ``SK_TRACKER_RECORD_EVERY`` minutes per scope, whichever process
    offers it. A store that fails is logged and named on the Trends page; no page
    stops for it."""
    roots = [*(str(r) for r in session.repo_roots), *session.remote_roots]
    key = (session.host, session.team, tuple(roots))
    offered = _offered()
    if not roots or offered.get(key) == shown.fetched_at or shown.report.provider_errors:
        return
    offered[key] = shown.fetched_at
    try:
        inv = inventory(session)
        saved = session.service.record(
            shown.report,
            roots,
            source="dashboard",
            inventories=inv.inventories,
            paced=True,
        )
    except TrackerError as exc:
        log.warning("audit not recorded in the history: %s", exc)
        return
    if saved is not None:
        history_cache.clear()


REFRESHED_KEY = "_tracker_refreshed_at"


def clear_all() -> None:
    """Forget every cached host read, the repo scan and the remotes (the Refresh button)."""
    _inventory.clear()
    _audit.clear()
    _scan_cache.clear()
    _remote_scan.clear()
    history_cache.clear()


def after_change() -> None:
    """A bind or an upgrade changed the host and some configs: read both again."""
    _inventory.clear()
    _audit.clear()
    _remote_scan.clear()
