"""Audit every repo under some roots against the host, by installation, not by repo.

One ``mappings`` call per provider (tombstones included) settles almost every repo
locally; ``bind-validate`` runs only for refs the listing cannot settle, with bounded
concurrency under one ``Throttle``, so a host's rate limit pauses the batch rather
than failing rows. ``audit`` fetches the listings while it scans the disk and starts
each needed validate as soon as its repo is read. The result equals validating every
repo one by one.
"""

from __future__ import annotations

import time
import uuid as uuid_mod
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from tracker_core.config.identity import ProjectIdentity, kebab_case, node_id
from tracker_core.errors import (
    AuthError,
    NoInstallationError,
    SettingsError,
    TeamForbiddenError,
    UsageError,
)
from tracker_core.flows.audit_relations import apply_relations
from tracker_core.flows.audit_rows import (
    STALE_REASONS,
    AuditReport,
    AuditRow,
    FoundRepo,
    Location,
    UnclaimedMapping,
    UpgradeResult,
    base_row,
    classify_legacy,
    classify_ref,
    note_waiting_bind,
    rebind_hint,
    remote_bind_command,
)
from tracker_core.flows.upgrades import after_upgrades, apply_upgrades
from tracker_core.host.client import HostClient
from tracker_core.host.concurrency import Throttle, bounded_map, outcome_of
from tracker_core.host.wire import Mapping
from tracker_core.local.scan import Scan
from tracker_core.local.walk import WalkReport
from tracker_core.providers import PROVIDERS
from tracker_core.remote.mirror import Mirror, MirrorCache
from tracker_core.remote.scan import Progress, scan_remotes
from tracker_core.remote.urls import RemoteProject, is_remote

__all__ = [
    "STALE_REASONS",
    "AuditReport",
    "AuditRow",
    "FoundRepo",
    "Location",
    "UnclaimedMapping",
    "UpgradeResult",
    "after_upgrades",
    "apply_upgrades",
    "audit",
    "audit_repos",
    "rebind_hint",
    "remote_bind_command",
    "split_roots",
]

# Mappings by provider, and for providers that could not be read: (reason, guidance).
_Listings = tuple[dict[str, list[Mapping]], dict[str, tuple[str, str]]]


def unreadable_guidance(error: BaseException | None) -> str:
    """What to do about a provider whose mappings could not be read: a rejected token
    or a wrong team is fixed in the settings (waiting changes nothing); anything else
    is retried when the host is reachable."""
    if isinstance(error, AuthError):
        return "fix the token as the reason says, then audit again"
    if isinstance(error, TeamForbiddenError):
        return "check SK_TRACKER_TEAM, then audit again"
    return "retry when the host is reachable"


def _fetch_mappings(
    client: HostClient, providers: Sequence[str], max_workers: int, throttle: Throttle
) -> _Listings:
    outcomes = bounded_map(
        lambda p: client.mappings(p).mappings,
        providers,
        max_workers=max_workers,
        throttle=throttle,
    )
    found: dict[str, list[Mapping]] = {}
    errors: dict[str, tuple[str, str]] = {}
    for provider, outcome in zip(providers, outcomes, strict=True):
        if outcome.error is None and outcome.value is not None:
            found[provider] = list(outcome.value)
        elif isinstance(outcome.error, NoInstallationError):
            found[provider] = []
        else:
            errors[provider] = (str(outcome.error), unreadable_guidance(outcome.error))
    return found, errors


def _identity_of(local: FoundRepo, row: AuditRow) -> ProjectIdentity:
    cfg = local.config
    if cfg is not None and cfg.project is not None:
        return cfg.project
    # No identity on file: validate under a placeholder identity (the nil uuid, which
    # no project has), so the host answers on the ref alone rather than refusing an
    # empty uuid as a malformed request.
    slug = row.project_slug or kebab_case(local.path.name.rsplit("/", 1)[-1])
    return ProjectIdentity(uuid=str(uuid_mod.UUID(int=0)), slug=slug, node_id=node_id())


class _Index:
    """The host's listings, indexed to settle repos locally."""

    def __init__(self, listings: _Listings) -> None:
        self.mappings, self.errors = listings
        self.by_ref: dict[str, dict[str, Mapping]] = {
            p: {m.binding_ref: m for m in ms} for p, ms in self.mappings.items()
        }
        self.by_slug: dict[str, dict[str, Mapping]] = {
            p: {m.project_slug: m for m in ms if m.project_slug and m.status == "active"}
            for p, ms in self.mappings.items()
        }

    def settle(self, row: AuditRow) -> AuditRow | None:
        """``row`` classified, or None when only a bind-validate can tell."""
        provider = row.provider or ""
        if provider in self.errors or provider not in self.mappings:
            reason, guidance = self.errors.get(
                provider,
                (f"provider {provider} was not audited", "retry when the host is reachable"),
            )
            return replace(row, state="unverified", reason=reason, guidance=guidance)
        if row.binding_ref:
            mapping = self.by_ref[provider].get(row.binding_ref)
            return None if mapping is None else classify_ref(row, mapping)
        return classify_legacy(row, self.by_slug[provider])

    def unclaimed(self, rows: Sequence[AuditRow]) -> list[UnclaimedMapping]:
        """Live mappings no project under the roots claims (by ref, pending ref, uuid
        or legacy slug); worktrees and conflicting rows claim too."""
        claimed_refs = {(r.provider, r.binding_ref) for r in rows if r.binding_ref}
        claimed_refs |= {(r.provider, r.pending_ref) for r in rows if r.pending_ref}
        claimed_uuids = {(r.provider, r.project_uuid) for r in rows if r.project_uuid}
        claimed_slugs = {
            (r.provider, r.project_slug) for r in rows if r.project_slug and not r.binding_ref
        }
        return [
            UnclaimedMapping(p, m)
            for p, ms in self.mappings.items()
            for m in ms
            if m.status != "deleted"
            and (p, m.binding_ref) not in claimed_refs
            and (p, m.project_uuid) not in claimed_uuids
            and (p, m.project_slug) not in claimed_slugs
        ]


class _Audit:
    """One audit in progress. Repos are added as they are read; once the listings are
    in, each row is settled locally as it comes, and a row that needs a bind-validate
    has it started at once, so validations overlap the rest of the scan."""

    def __init__(
        self,
        client: HostClient,
        providers: Sequence[str],
        pool: ThreadPoolExecutor,
        max_workers: int,
    ) -> None:
        self._client = client
        self._pool = pool
        self._throttle = Throttle(max_workers)
        self._listing = pool.submit(
            _fetch_mappings, client, list(providers), max_workers, self._throttle
        )
        self._index: _Index | None = None
        self._repos: list[FoundRepo] = []
        self._rows: list[AuditRow] = []
        self._settled = 0
        self._validations: list[tuple[int, Future[AuditRow]]] = []

    def add(self, local: FoundRepo) -> None:
        self._repos.append(local)
        self._rows.append(base_row(local))
        self._settle(wait=False)

    def _settle(self, *, wait: bool) -> None:
        if self._index is None:
            if not (wait or self._listing.done()):
                return
            self._index = _Index(self._listing.result())
        for i in range(self._settled, len(self._rows)):
            row = self._rows[i]
            if row.state:
                continue
            settled = self._index.settle(row)
            if settled is not None:
                self._rows[i] = settled
            else:
                work = (self._repos[i], row)
                future = self._pool.submit(self._throttle.run, self._validate, work)
                self._validations.append((i, future))
        self._settled = len(self._rows)

    def _validate(self, work: tuple[FoundRepo, AuditRow]) -> AuditRow:
        local, row = work
        assert row.provider and row.binding_ref
        identity = _identity_of(local, row)
        result = self._client.bind_validate(row.provider, row.binding_ref, identity)
        if result.valid:
            return replace(row, state="bound", reason="binding is active on the host")
        reason = result.reason or "mapping_deleted"
        return replace(
            row,
            state=f"stale:{reason}",
            reason=result.guidance or f"binding {row.binding_ref} is not valid ({reason})",
            guidance=rebind_hint(row.provider, row.repo),
        )

    def report(self, walk: WalkReport | None = None) -> AuditReport:
        try:
            self._settle(wait=True)
            for i, future in self._validations:
                outcome = outcome_of(future)
                if outcome.value is not None:
                    self._rows[i] = outcome.value
                else:
                    self._rows[i] = replace(
                        self._rows[i],
                        state="unverified",
                        reason=str(outcome.error),
                        guidance="retry later",
                    )
        except BaseException:
            # A bug (not a TrackerError): stop queued validations, then re-raise.
            for _, future in self._validations:
                future.cancel()
            raise
        assert self._index is not None
        noted = [
            note_waiting_bind(r, local) for r, local in zip(self._rows, self._repos, strict=True)
        ]
        rows = apply_relations(noted, self._repos)
        return AuditReport(
            rows,
            self._index.unclaimed(rows),
            {p: reason for p, (reason, _) in self._index.errors.items()},
            validate_calls=len(self._validations),
            walk=walk or WalkReport(),
        )


def _pool(max_workers: int) -> ThreadPoolExecutor:
    if max_workers < 1:
        raise UsageError(f"max_workers must be at least 1, got {max_workers}")
    return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sk-tracker-audit")


def audit_repos(
    client: HostClient,
    repos: Iterable[FoundRepo],
    *,
    providers: Sequence[str] | None = None,
    max_workers: int = 8,
    walk: WalkReport | None = None,
) -> AuditReport:
    """Audit a set of projects already found (a scan cache, remote mirrors, …): each
    ``LocalRepo`` carries its config, its name and its git checkout, from which
    worktrees, clones and conflicts are told apart. Repos are audited as the
    iterable yields them; ``walk`` (what finding them skipped) is passed through."""
    with _pool(max_workers) as pool:
        run = _Audit(client, providers or PROVIDERS, pool, max_workers)
        for local in repos:
            run.add(local)
        return run.report(walk)


def split_roots(roots: Iterable[Path | str]) -> tuple[list[Path], list[str]]:
    """Folders and git remote URLs, as given among ``roots``."""
    folders: list[Path] = []
    remotes: list[str] = []
    for root in roots:
        if isinstance(root, str) and is_remote(root):
            remotes.append(root.strip())
        else:
            folders.append(Path(root))
    return folders, remotes


def audit(
    client: HostClient,
    roots: Iterable[Path | str],
    *,
    providers: Sequence[str] | None = None,
    max_workers: int = 8,
    mirrors: MirrorCache | None = None,
    progress: Progress | None = None,
) -> AuditReport:
    """Scan ``roots`` (folders and git remote URLs) and audit every project found.
    The host's listings are fetched while the disk and the remotes are read, and the
    bind-validates a listing cannot settle start while the scan goes on: none of
    these waits for the others. Remotes are mirrored under ``mirrors``; ``progress``
    is told after each remote."""
    folders, remotes = split_roots(roots)
    if remotes and mirrors is None:
        raise SettingsError("no cache folder for git mirrors: set SK_TRACKER_CACHE_DIR")
    scan = Scan(tuple(Path(r).expanduser().resolve() for r in folders))
    with _pool(max_workers) as pool:
        run = _Audit(client, providers or PROVIDERS, pool, max_workers)
        for local in scan.repos():
            run.add(local)
        if remotes:
            assert mirrors is not None
            found = scan_remotes(remotes, mirrors, max_workers=max_workers, progress=progress)
            for remote in found.repos:
                run.add(remote)
            return _say_when_checked(run.report(scan.walk), found.mirrors)
        return run.report(scan.walk)


def _say_when_checked(report: AuditReport, mirrors: dict[str, Mirror]) -> AuditReport:
    """Rows of remotes read from the freshness window say when they were last asked:
    a change made since then is not in them."""
    now = time.time()
    rows = []
    for row in report.rows:
        mirror = mirrors.get(row.repo.url) if isinstance(row.repo, RemoteProject) else None
        if mirror is not None and mirror.from_window:
            ago = max(0, round(now - mirror.checked_at))
            row = replace(row, reason=f"{row.reason} (remote checked {ago} s ago)".lstrip())
        rows.append(row)
    return replace(report, rows=rows)
