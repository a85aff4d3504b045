"""Audit every repo under some roots against the host, by installation, not by repo.

One ``mappings`` call per provider (tombstones included) settles almost every repo
locally; ``bind-validate`` runs only for refs the listing cannot settle, with bounded
concurrency under one ``Throttle``, so a host's rate limit pauses the batch rather
than failing rows. ``audit`` fetches the listings while it scans the disk and starts
each needed validate as soon as its repo is read. The result equals validating every
repo one by one.
"""

from __future__ import annotations

import logging
import uuid as uuid_mod
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_io import load_config, write_tracker
from tracker_core.config.identity import ProjectIdentity, kebab_case, node_id
from tracker_core.errors import NoInstallationError, StoreError, TrackerError, UsageError
from tracker_core.flows.activity import ActivityLog
from tracker_core.flows.status import upgrade_changes
from tracker_core.host.client import HostClient
from tracker_core.host.concurrency import Throttle, bounded_map, outcome_of
from tracker_core.host.wire import Mapping
from tracker_core.local.scan import LocalRepo, iter_repos
from tracker_core.providers import PROVIDERS

log = logging.getLogger("tracker_core.flows.audit")

STALE_REASONS = {
    "deleted": "mapping_deleted",
    "disabled": "mapping_disabled",
}


@dataclass(frozen=True)
class AuditRow:
    repo: Path
    # bound | legacy | stale:<reason> | unbound | misconfigured:<code> | conflict | unverified
    state: str
    provider: str | None = None
    binding_ref: str | None = None
    project_slug: str | None = None
    display_label: str | None = None
    project_uuid: str | None = None
    reason: str = ""
    guidance: str = ""
    pending_ref: str | None = None  # legacy rows the host can already upgrade
    provider_context: dict[str, str] = field(default_factory=dict)

    @property
    def needs_action(self) -> bool:
        return self.state != "bound"

    @property
    def kind(self) -> str:
        """The state without its reason (``stale:mapping_deleted`` → ``stale``)."""
        return self.state.split(":", 1)[0]


@dataclass(frozen=True)
class UnclaimedMapping:
    provider: str
    mapping: Mapping


@dataclass(frozen=True)
class AuditReport:
    rows: list[AuditRow]
    unclaimed: list[UnclaimedMapping] = field(default_factory=list)
    provider_errors: dict[str, str] = field(default_factory=dict)
    validate_calls: int = 0

    @property
    def needs_action(self) -> bool:
        return any(r.needs_action for r in self.rows)

    @property
    def pending_upgrades(self) -> list[AuditRow]:
        return [r for r in self.rows if r.pending_ref]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for row in self.rows:
            out[row.kind] += 1
        return dict(out)


@dataclass(frozen=True)
class UpgradeResult:
    repo: Path
    binding_ref: str | None
    ok: bool
    error: str | None = None


def rebind_hint(provider: str | None) -> str:
    return f"re-bind with: sk-tracker bind --provider {provider or '<provider>'}"


def _base_row(local: LocalRepo) -> AuditRow:
    """What the file alone says: misconfigured, unbound, or the claim to check."""
    if local.error is not None or local.config is None:
        err = local.error
        return AuditRow(
            repo=local.path,
            state=f"misconfigured:{err.code if err else 'invalid'}",
            reason=err.reason if err else "unreadable config",
            guidance="fix the file by hand; this tool never overwrites a config it cannot parse",
        )
    cfg = local.config
    uuid = cfg.project.uuid if cfg.project else None
    tracker = cfg.tracker
    if tracker is None or not tracker.is_configured:
        return AuditRow(
            repo=local.path,
            state="unbound",
            provider=tracker.provider if tracker else None,
            project_uuid=uuid,
            reason="no tracker binding",
            guidance=rebind_hint(tracker.provider if tracker else None).replace("re-bind", "bind"),
        )
    return AuditRow(
        repo=local.path,
        state="",
        provider=tracker.provider,
        binding_ref=tracker.binding_ref,
        project_slug=tracker.project_slug,
        display_label=tracker.display_label,
        project_uuid=uuid,
        provider_context=dict(tracker.provider_context),
    )


def _classify_ref(row: AuditRow, mapping: Mapping) -> AuditRow:
    if mapping.status in STALE_REASONS:
        reason = STALE_REASONS[mapping.status]
        return replace(
            row,
            state=f"stale:{reason}",
            reason=f"binding {row.binding_ref} is {mapping.status} on the host",
            guidance=rebind_hint(row.provider),
        )
    if row.project_uuid and mapping.project_uuid and mapping.project_uuid != row.project_uuid:
        return replace(
            row,
            state="stale:project_mismatch",
            reason=f"binding {row.binding_ref} belongs to another project",
            guidance=rebind_hint(row.provider),
        )
    return replace(
        row,
        state="bound",
        reason="binding is active on the host",
        display_label=mapping.display_label,
        provider_context=dict(mapping.provider_context),
    )


def _classify_legacy(row: AuditRow, by_slug: dict[str, Mapping]) -> AuditRow:
    mapping = by_slug.get(row.project_slug or "")
    if mapping is not None:
        return replace(
            row,
            state="legacy",
            reason=f"slug-only config; the host knows {mapping.binding_ref} (upgrade pending)",
            guidance="apply with: sk-tracker audit --apply-upgrades",
            pending_ref=mapping.binding_ref,
            display_label=mapping.display_label,
            provider_context=dict(mapping.provider_context),
        )
    return replace(
        row,
        state="legacy",
        reason="slug-only config; the host has no mapping for this slug",
        guidance=rebind_hint(row.provider).replace("re-bind", "bind"),
    )


def _mark_conflicts(rows: list[AuditRow]) -> list[AuditRow]:
    """Two repos claiming one binding_ref or one project uuid are both a conflict."""
    claims: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.binding_ref:
            claims[("binding_ref", row.binding_ref)].append(i)
        if row.project_uuid and not row.state.startswith("misconfigured"):
            claims[("project uuid", row.project_uuid)].append(i)
    out = list(rows)
    for (what, value), idx in claims.items():
        if len(idx) < 2:
            continue
        for i in idx:
            others = ", ".join(rows[j].repo.name for j in idx if j != i)
            out[i] = replace(
                out[i],
                state="conflict",
                reason=f"{what} {value} is also claimed by {others}",
                guidance="give each repo its own project identity, then re-bind one of them",
            )
    return out


_Listings = tuple[dict[str, list[Mapping]], dict[str, str]]


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
    errors: dict[str, str] = {}
    for provider, outcome in zip(providers, outcomes, strict=True):
        if outcome.error is None and outcome.value is not None:
            found[provider] = list(outcome.value)
        elif isinstance(outcome.error, NoInstallationError):
            found[provider] = []
        else:
            errors[provider] = str(outcome.error)
    return found, errors


def _identity_of(local: LocalRepo, row: AuditRow) -> ProjectIdentity:
    cfg = local.config
    if cfg is not None and cfg.project is not None:
        return cfg.project
    # No identity on file: validate under a placeholder identity (the nil uuid, which
    # no project has), so the host answers on the ref alone rather than refusing an
    # empty uuid as a malformed request.
    slug = row.project_slug or kebab_case(local.path.name)
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
            return replace(
                row,
                state="unverified",
                reason=self.errors.get(provider, f"provider {provider} was not audited"),
                guidance="retry when the host is reachable",
            )
        if row.binding_ref:
            mapping = self.by_ref[provider].get(row.binding_ref)
            return None if mapping is None else _classify_ref(row, mapping)
        return _classify_legacy(row, self.by_slug[provider])

    def unclaimed(self, rows: Sequence[AuditRow]) -> list[UnclaimedMapping]:
        claimed_refs = {(r.provider, r.binding_ref) for r in rows if r.binding_ref}
        claimed_refs |= {(r.provider, r.pending_ref) for r in rows if r.pending_ref}
        claimed_uuids = {(r.provider, r.project_uuid) for r in rows if r.project_uuid}
        return [
            UnclaimedMapping(p, m)
            for p, ms in self.mappings.items()
            for m in ms
            if m.status != "deleted"
            and (p, m.binding_ref) not in claimed_refs
            and (p, m.project_uuid) not in claimed_uuids
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
        self._repos: list[LocalRepo] = []
        self._rows: list[AuditRow] = []
        self._settled = 0
        self._validations: list[tuple[int, Future[AuditRow]]] = []

    def add(self, local: LocalRepo) -> None:
        self._repos.append(local)
        self._rows.append(_base_row(local))
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

    def _validate(self, work: tuple[LocalRepo, AuditRow]) -> AuditRow:
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
            guidance=rebind_hint(row.provider),
        )

    def report(self) -> AuditReport:
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
        rows = _mark_conflicts(self._rows)
        return AuditReport(
            rows,
            self._index.unclaimed(rows),
            self._index.errors,
            validate_calls=len(self._validations),
        )


def _pool(max_workers: int) -> ThreadPoolExecutor:
    if max_workers < 1:
        raise UsageError(f"max_workers must be at least 1, got {max_workers}")
    return ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sk-tracker-audit")


def audit_repos(
    client: HostClient,
    repos: Sequence[LocalRepo],
    *,
    providers: Sequence[str] | None = None,
    max_workers: int = 8,
) -> AuditReport:
    """Audit repos already read (e.g. from a scan cache)."""
    with _pool(max_workers) as pool:
        run = _Audit(client, providers or PROVIDERS, pool, max_workers)
        for local in repos:
            run.add(local)
        return run.report()


def audit(
    client: HostClient,
    roots: Iterable[Path],
    *,
    providers: Sequence[str] | None = None,
    max_workers: int = 8,
) -> AuditReport:
    """Scan ``roots`` and audit every repo found. The host's listings are fetched
    while the disk is scanned, and the bind-validates a listing cannot settle start
    while the scan goes on: none of these waits for the others."""
    with _pool(max_workers) as pool:
        run = _Audit(client, providers or PROVIDERS, pool, max_workers)
        for local in iter_repos(roots):
            run.add(local)
        return run.report()


def apply_upgrades(
    report: AuditReport,
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
    activity: ActivityLog | None = None,
) -> list[UpgradeResult]:
    """Write the pending ``binding_ref`` into each legacy repo the host can upgrade.
    Each write re-reads the file and is skipped if it is no longer slug-only."""
    results: list[UpgradeResult] = []
    for row in report.pending_upgrades:
        assert row.pending_ref is not None
        try:
            policy.require_writable(row.repo)
            config = load_config(row.repo)
            tracker = config.tracker
            if tracker is None or tracker.binding_ref or tracker.provider != row.provider:
                results.append(
                    UpgradeResult(row.repo, None, False, "config changed since the audit")
                )
                continue
            changes = upgrade_changes(row.pending_ref, row.display_label, row.provider_context)
            write_tracker(config, changes)
            results.append(UpgradeResult(row.repo, row.pending_ref, True))
            outcome = "ok"
            detail = ""
        except (TrackerError, OSError) as exc:
            results.append(UpgradeResult(row.repo, row.pending_ref, False, str(exc)))
            outcome, detail = "failed", str(exc)
        if activity is not None:
            try:
                activity.record(
                    actor=policy.actor,
                    action="upgrade",
                    repo=row.repo,
                    provider=row.provider,
                    old_ref=None,
                    new_ref=row.pending_ref,
                    result=outcome,
                    detail=detail,
                )
            except (OSError, StoreError) as exc:
                log.warning("activity log not written: %s", exc)
    return results


def after_upgrades(report: AuditReport, results: Sequence[UpgradeResult]) -> AuditReport:
    """The report as it stands once ``results`` were applied: each repo upgraded now
    routes by the ref it was given, which the host listed as active, so it is bound."""
    done = {r.repo for r in results if r.ok}
    if not done:
        return report
    rows = [
        replace(
            r,
            state="bound",
            binding_ref=r.pending_ref,
            pending_ref=None,
            reason="upgraded to binding_ref",
            guidance="",
        )
        if r.repo in done
        else r
        for r in report.rows
    ]
    return replace(report, rows=rows)
