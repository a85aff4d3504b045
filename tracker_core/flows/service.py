"""``TrackerService``: one object holding a host client, the access policy, the
activity log and the behaviour switches, with every flow as a method. The CLI,
the dashboard and notebooks all go through it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx

from tracker_core.access.actor import person
from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.access.settings import Settings
from tracker_core.closing import Closing
from tracker_core.errors import SettingsError, StoreError
from tracker_core.flows import audit as audit_mod
from tracker_core.flows import bind_host, binding, discovery, remote_bind, status
from tracker_core.flows.activity import ActivityLog
from tracker_core.flows.history import History
from tracker_core.host.client import HostClient
from tracker_core.host.wire import Candidate, Me, Resource
from tracker_core.local.walk import WalkReport
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.scan import Progress, RemoteScan, scan_remotes
from tracker_core.remote.urls import RemoteProject
from tracker_core.store.records import Snapshot


class TrackerService(Closing):
    def __init__(
        self,
        client: HostClient,
        *,
        policy: AccessPolicy = ADMIN_ANYWHERE,
        upgrade_on_read: bool = True,
        activity: ActivityLog | None = None,
        history: History | None = None,
        max_workers: int = 8,
        mirrors: MirrorCache | None = None,
    ) -> None:
        self.client = client
        self.policy = policy
        self.upgrade_on_read = upgrade_on_read
        self.activity = activity
        self.history = history
        self.max_workers = max_workers
        self.mirrors = mirrors

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        policy: AccessPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        log_activity: bool = True,
    ) -> TrackerService:
        """A service for these settings; without ``policy``, an admin anywhere acting
        as the local person (the CLI's case: a developer in their own repos)."""
        client = HostClient(
            settings.require_url(),
            settings.token_provider(),
            settings.require_team(),
            transport=transport,
            allow_insecure_http=settings.allow_insecure_http,
            timeout=settings.timeout,
        )
        return cls(
            client,
            policy=policy or AccessPolicy(actor=person()),
            upgrade_on_read=settings.upgrade_on_read,
            activity=ActivityLog.from_settings(settings) if log_activity else None,
            history=History.from_settings(settings),
            mirrors=MirrorCache(settings.mirror_dir, settings.remote_freshness),
        )

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return (
            f"TrackerService(host={self.client.base_url!r}, team={self.client.team!r}, "
            f"role={self.policy.role!r})"
        )

    # --- reads -------------------------------------------------------------------------

    def me(self) -> Me | None:
        return self.client.me()

    def discover(self, provider: str) -> discovery.ProviderInventory:
        return discovery.discover(self.client, provider)

    def discover_all(
        self, providers: Sequence[str] | None = None
    ) -> list[discovery.ProviderInventory]:
        return discovery.discover_all(self.client, providers, max_workers=self.max_workers)

    def project_status(self, repo: Path, provider: str | None = None) -> status.StatusReport:
        return status.project_status(
            self.client,
            repo,
            provider=provider,
            upgrade_on_read=self.upgrade_on_read,
            policy=self.policy,
        )

    def installation_status(
        self, providers: Sequence[str] | None = None
    ) -> list[status.ProviderInstallation]:
        return status.installation_status(self.client, providers, max_workers=self.max_workers)

    def audit(
        self,
        roots: Iterable[Path | str],
        providers: Sequence[str] | None = None,
        *,
        progress: Progress | None = None,
    ) -> audit_mod.AuditReport:
        """Audit folders and git remote URLs (``progress`` is told after each remote)."""
        return audit_mod.audit(
            self.client,
            roots,
            providers=providers,
            max_workers=self.max_workers,
            mirrors=self.mirrors,
            progress=progress,
        )

    def scan_remotes(self, urls: Sequence[str], *, progress: Progress | None = None) -> RemoteScan:
        return scan_remotes(urls, self._mirrors(), max_workers=self.max_workers, progress=progress)

    def _mirrors(self) -> MirrorCache:
        if self.mirrors is None:
            raise SettingsError("no cache folder for git mirrors: set SK_TRACKER_CACHE_DIR")
        return self.mirrors

    def audit_repos(
        self,
        repos: Iterable[audit_mod.FoundRepo],
        providers: Sequence[str] | None = None,
        walk: WalkReport | None = None,
    ) -> audit_mod.AuditReport:
        """Audit projects already found (or found as ``repos`` is iterated); ``walk``
        (what finding them skipped) is carried into the report."""
        return audit_mod.audit_repos(
            self.client, repos, providers=providers, max_workers=self.max_workers, walk=walk
        )

    def record(
        self,
        report: audit_mod.AuditReport,
        roots: Sequence[Path | str],
        *,
        source: str,
        inventories: Sequence[discovery.ProviderInventory] = (),
        paced: bool = False,
    ) -> Snapshot | None:
        """Save the audit of ``roots`` in the history, as this service's actor."""
        if self.history is None:
            raise StoreError("no history store: this service was made without one")
        return self.history.record(
            report,
            host=self.client.base_url,
            team=self.client.team,
            roots=roots,
            actor=self.policy.actor,
            source=source,
            inventories=inventories,
            paced=paced,
        )

    # --- mutations (each checks the policy again) ------------------------------------

    def bind(
        self,
        repo: Path,
        provider: str,
        *,
        bind_ref: str | None = None,
        select: int | None = None,
        choose: binding.ChooseFn | None = None,
        confirm_rebind: binding.ConfirmFn | bool = False,
        resource: int | None = None,
        project_uuid: str | None = None,
        new_identity: bool = False,
        replace_asked: bool = False,
    ) -> binding.BindOutcome:
        return binding.bind(
            self.client,
            repo,
            provider,
            bind_ref=bind_ref,
            select=select,
            choose=choose,
            confirm_rebind=confirm_rebind,
            resource=resource,
            policy=self.policy,
            activity=self.activity,
            project_uuid=project_uuid,
            new_identity=new_identity,
            replace_asked=replace_asked,
        )

    def bind_remote(
        self,
        project: RemoteProject,
        provider: str,
        *,
        bind_ref: str | None = None,
        select: int | None = None,
        resource: int | Resource | None = None,
        choose: binding.ChooseFn | None = None,
        confirm_rebind: binding.ConfirmFn | bool = False,
        push_to_default: bool = False,
        project_uuid: str | None = None,
    ) -> remote_bind.RemoteBindOutcome:
        """Bind a project of a git remote and push the change on its own branch."""
        return remote_bind.bind_remote(
            self.client,
            self._mirrors(),
            project,
            provider,
            bind_ref=bind_ref,
            select=select,
            resource=resource,
            choose=choose,
            confirm_rebind=confirm_rebind,
            push_to_default=push_to_default,
            project_uuid=project_uuid,
            policy=self.policy,
            activity=self.activity,
        )

    def prepare_remote(self, project: RemoteProject, provider: str) -> binding.BindContext:
        """The config and identity a remote bind would use (for a preview)."""
        return remote_bind.prepare_remote(self._mirrors(), project, provider)[1]

    def bind_candidate(
        self, repo: Path, provider: str, candidate: Candidate
    ) -> binding.BindOutcome:
        """Bind to a candidate chosen from a resolve (dashboard, notebook)."""
        return self.bind(
            repo,
            provider,
            choose=lambda cands: same_candidate(cands, candidate),
            confirm_rebind=True,
        )

    def bind_resource(
        self, repo: Path, provider: str, resource: Resource, *, new_identity: bool = False
    ) -> binding.BindOutcome:
        """Bind to any resource picked from the inventory (its candidate token); with
        ``new_identity`` the repo first gets a fresh project identity."""
        self.policy.require_writable(repo)
        ctx = binding.prepare(repo, provider, new_identity=new_identity)
        try:
            result = bind_host.confirm_resource(self.client, ctx, resource, policy=self.policy)
            config = binding.persist(
                ctx,
                result.binding_ref,
                result.display_label,
                result.provider_context,
                policy=self.policy,
            )
        except Exception as exc:
            binding.record_failure(self.activity, self.policy, ctx, exc)
            raise
        binding._record(
            self.activity,
            self.policy,
            ctx,
            new_ref=result.binding_ref,
            result="ok",
            detail="resource",
        )
        previous = ctx.existing.binding_ref if ctx.existing else None
        return binding.BindOutcome(
            ctx.repo,
            ctx.provider,
            "bound",
            "resource",
            result.binding_ref,
            result.display_label,
            dict(result.provider_context),
            previous,
            config,
        )

    def apply_upgrades(self, report: audit_mod.AuditReport) -> list[audit_mod.UpgradeResult]:
        return audit_mod.apply_upgrades(report, policy=self.policy, activity=self.activity)


def same_candidate(candidates: Sequence[Candidate], wanted: Candidate) -> Candidate | None:
    """The candidate of a fresh resolve that is the one the user picked earlier."""
    for cand in candidates:
        if cand.candidate_token == wanted.candidate_token:
            return cand
    for cand in candidates:
        if cand.display_label == wanted.display_label:
            return cand
    return None
