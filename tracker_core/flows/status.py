"""Project status (routed by ``binding_ref``, else legacy ``project_slug``) with the
opportunistic upgrade, and installation-wide status across providers.

A project's verdict (bound, stale, …) is the audit's: ``project_status`` audits the
repo against the same host facts, so ``status`` in a repo and ``audit`` over it
never disagree."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from tracker_core.access.policy import AccessPolicy
from tracker_core.config.config_io import load_config, write_tracker
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.errors import BindError, NoInstallationError, TrackerError, UsageError
from tracker_core.flows.audit import AuditRow, audit_repos
from tracker_core.flows.audit_rows import bind_hint
from tracker_core.flows.discovery import no_installation_guidance
from tracker_core.flows.upgrades import upgrade_changes
from tracker_core.host.client import HostClient
from tracker_core.host.concurrency import bounded_map
from tracker_core.host.wire import InstallationStatus, ProjectStatus
from tracker_core.local.scan import read_repo
from tracker_core.providers import PROVIDERS, normalize_provider

log = logging.getLogger("tracker_core.flows.status")

UpgradeState = Literal["applied", "pending", "none", "failed"]


class NotConfiguredError(BindError):
    """The repo has no usable tracker binding."""


@dataclass(frozen=True)
class StatusReport:
    repo: Path
    provider: str
    routed_by: Literal["binding_ref", "project_slug"]
    status: ProjectStatus
    upgrade: UpgradeState
    upgrade_ref: str | None
    config: TrackerProjectConfig
    verdict: AuditRow | None = None  # the audit's row for this repo

    @property
    def is_stale(self) -> bool:
        return self.verdict is not None and self.verdict.kind == "stale"


@dataclass(frozen=True)
class ProviderInstallation:
    provider: str
    connected: bool
    status: InstallationStatus | None = None
    error: str | None = None
    # The provider could not be read at all (unlike a missing installation).
    failure: TrackerError | None = field(default=None, compare=False, repr=False)


def configured_provider(config: TrackerProjectConfig, provider: str | None) -> str:
    tracker = config.tracker
    if tracker is None or not tracker.is_configured or tracker.provider is None:
        hint = bind_hint("bind it", provider)
        raise NotConfiguredError(f"{config.repo} has no tracker binding; {hint}")
    if provider is not None and normalize_provider(provider) != tracker.provider:
        raise UsageError(
            f"{config.repo} is bound to {tracker.provider}, not {normalize_provider(provider)}"
        )
    return tracker.provider


def project_status(
    client: HostClient,
    repo: Path,
    *,
    provider: str | None = None,
    upgrade_on_read: bool = True,
    policy: AccessPolicy | None = None,
) -> StatusReport:
    """Status of one repo's binding, with the audit's verdict. A stale
    ``binding_ref`` raises ``StaleBindingError``; it is never replaced by the legacy
    slug."""
    report = _status(
        client, repo, provider=provider, upgrade_on_read=upgrade_on_read, policy=policy
    )
    return replace(report, verdict=verdict_of(client, repo, report.provider))


def verdict_of(client: HostClient, repo: Path, provider: str) -> AuditRow:
    """The row ``audit`` gives ``repo`` when audited on its own."""
    local = read_repo(Path(repo).expanduser().resolve())
    [row] = audit_repos(client, [local], providers=[provider]).rows
    return row


def _status(
    client: HostClient,
    repo: Path,
    *,
    provider: str | None,
    upgrade_on_read: bool,
    policy: AccessPolicy | None,
) -> StatusReport:
    config = load_config(repo)
    name = configured_provider(config, provider)
    tracker = config.tracker
    assert tracker is not None  # checked by configured_provider
    if tracker.binding_ref:
        status = client.project_status(name, binding_ref=tracker.binding_ref)
        return StatusReport(repo, name, "binding_ref", status, "none", None, config)

    status = client.project_status(name, project_slug=tracker.project_slug)
    if not status.binding_ref:
        return StatusReport(repo, name, "project_slug", status, "none", None, config)
    if not upgrade_on_read or (policy is not None and not policy.can_mutate):
        return StatusReport(
            repo, name, "project_slug", status, "pending", status.binding_ref, config
        )
    changes = upgrade_changes(status.binding_ref, status.display_label, status.provider_context)
    try:
        root = policy.require_writable(repo) if policy is not None else None
        config = write_tracker(config, changes, root=root)
    except (TrackerError, OSError) as exc:
        # The upgrade is opportunistic: a failed write leaves the file as it was.
        log.debug("binding_ref upgrade of %s skipped: %s", repo, exc)
        return StatusReport(
            repo, name, "project_slug", status, "failed", status.binding_ref, config
        )
    log.debug("upgraded %s to binding_ref %s", repo, status.binding_ref)
    return StatusReport(repo, name, "project_slug", status, "applied", status.binding_ref, config)


def installation_status(
    client: HostClient, providers: Sequence[str] | None = None, *, max_workers: int = 8
) -> list[ProviderInstallation]:
    """Installation-wide status of each provider, concurrently; a provider without an
    installation is reported as not connected."""
    names = [normalize_provider(p) for p in (providers or PROVIDERS)]
    outcomes = bounded_map(client.installation_status, names, max_workers=max_workers)
    result: list[ProviderInstallation] = []
    for name, outcome in zip(names, outcomes, strict=True):
        if outcome.error is None and outcome.value is not None:
            result.append(ProviderInstallation(name, outcome.value.connected, outcome.value))
        elif isinstance(outcome.error, NoInstallationError):
            result.append(
                ProviderInstallation(
                    name,
                    False,
                    error=no_installation_guidance(name),
                )
            )
        else:
            result.append(
                ProviderInstallation(name, False, error=str(outcome.error), failure=outcome.error)
            )
    return result
