"""One audit row per project: what its file alone says, and what the host's listing
says of its claim. Rows are plain data every face renders (CLI, dashboard, notebook).
"""

from __future__ import annotations

import shlex
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from tracker_core.host.wire import Mapping
from tracker_core.local.scan import LocalRepo
from tracker_core.local.walk import WalkReport
from tracker_core.providers import PROVIDERS
from tracker_core.remote.scan import RemoteRepo
from tracker_core.remote.urls import RemoteProject

STALE_REASONS = {
    "deleted": "mapping_deleted",
    "disabled": "mapping_disabled",
}


Location = Path | RemoteProject  # a folder on disk, or a project inside a git remote
FoundRepo = LocalRepo | RemoteRepo


@dataclass(frozen=True)
class AuditRow:
    repo: Location  # absolute, or the remote (its str() is the URL, plus #path)
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
    # Its path relative to the root it was found under: how every face names it.
    name: str = ""
    worktree_of: str | None = None  # the main checkout's name (a linked worktree)
    branch: str | None = None  # a worktree's branch
    also_at: tuple[str, ...] = ()  # other checkouts of the same project (clones)
    conflicts_with: tuple[str, ...] = ()  # different projects claiming its identity

    @property
    def label(self) -> str:
        return self.name or self.repo.name

    @property
    def needs_action(self) -> bool:
        """A worktree shares its main checkout's state; the action is on that row."""
        return self.state != "bound" and self.worktree_of is None

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
    walk: WalkReport = field(default_factory=WalkReport)  # skipped folders, plain git repos

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
    repo: Location
    binding_ref: str | None
    ok: bool
    error: str | None = None
    name: str = ""  # the repo's name under its root


def bind_command(provider: str | None, *, before: str = "", after: str = "") -> str:
    """``sk-tracker bind{before} --provider P{after}``, ready to run as printed. When
    the provider is not known (nothing in the config says it), the choice is said in
    words instead of a placeholder that would not run if pasted."""
    if provider:
        return f"sk-tracker bind{before} --provider {provider}{after}"
    return f"sk-tracker bind{before}{after} --provider and one of: {', '.join(PROVIDERS)}"


def bind_hint(verb: str, provider: str | None, *, before: str = "", after: str = "") -> str:
    """``{verb} with: <command>``; without a provider, the same in words (no ``with:``,
    so nothing takes the words for a command to extend)."""
    joiner = " with: " if provider else " with "
    return f"{verb}{joiner}{bind_command(provider, before=before, after=after)}"


def remote_flags(repo: Location) -> str:
    """`` --repo URL [--path SUB]`` for a git remote's project, whose command runs from
    anywhere; nothing for a folder (its command runs in the repo, as the row names it)."""
    if not isinstance(repo, RemoteProject):
        return ""
    path = f" --path {shlex.quote(repo.subpath)}" if repo.subpath else ""
    return f" --repo {shlex.quote(repo.url)}{path}"


def rebind_hint(provider: str | None, repo: Location) -> str:
    return bind_hint("re-bind", provider, after=remote_flags(repo))


def remote_bind_command(
    project: RemoteProject, provider: str | None, ref: str | None, project_uuid: str | None = None
) -> str:
    """The command that binds a remote project (``ref``, when given, and the identity
    an earlier bind made for it) on a pushed branch."""
    chosen = f" --bind-ref {shlex.quote(ref)}" if ref else ""
    identity = f" --project-uuid {project_uuid}" if project_uuid else ""
    return bind_command(provider, after=f"{remote_flags(project)}{chosen}{identity}")


def base_row(local: FoundRepo) -> AuditRow:
    """What the file alone says: misconfigured, unbound, or the claim to check."""
    if isinstance(local, RemoteRepo) and local.unreachable is not None:
        return AuditRow(
            repo=local.path,
            name=local.label,
            state="unverified",
            reason=local.unreachable,
            guidance="check the URL and your git credentials, then audit again",
        )
    if local.error is not None or local.config is None:
        err = local.error
        return AuditRow(
            repo=local.path,
            name=local.label,
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
            name=local.label,
            state="unbound",
            provider=tracker.provider if tracker else None,
            project_uuid=uuid,
            reason="no tracker binding",
            guidance=bind_hint(
                "bind", tracker.provider if tracker else None, after=remote_flags(local.path)
            ),
        )
    return AuditRow(
        repo=local.path,
        name=local.label,
        state="",
        provider=tracker.provider,
        binding_ref=tracker.binding_ref,
        project_slug=tracker.project_slug,
        display_label=tracker.display_label,
        project_uuid=uuid,
        provider_context=dict(tracker.provider_context),
    )


def note_waiting_bind(row: AuditRow, local: FoundRepo) -> AuditRow:
    """A remote project that needs a bind while a branch of an earlier bind of it is on
    the remote: merging that branch is the fix (binding again would push another)."""
    waiting = local.waiting if isinstance(local, RemoteRepo) else None
    if waiting is None or row.kind not in ("unbound", "stale", "legacy"):
        return row
    link = f" ({waiting.review_url})" if waiting.review_url else ""
    return replace(
        row,
        reason=f"{row.reason}; branch {waiting.branch} from an earlier bind is on the remote",
        guidance=f"merge {waiting.branch} into {waiting.into} to finish that bind{link}; "
        f"or {row.guidance}",
    )


def classify_ref(row: AuditRow, mapping: Mapping) -> AuditRow:
    if mapping.status in STALE_REASONS:
        reason = STALE_REASONS[mapping.status]
        return replace(
            row,
            state=f"stale:{reason}",
            reason=f"binding {row.binding_ref} is {mapping.status} on the host",
            guidance=rebind_hint(row.provider, row.repo),
        )
    if row.project_uuid and mapping.project_uuid and mapping.project_uuid != row.project_uuid:
        return replace(
            row,
            state="stale:project_mismatch",
            reason=f"binding {row.binding_ref} belongs to another project",
            guidance=rebind_hint(row.provider, row.repo),
        )
    return replace(
        row,
        state="bound",
        reason="binding is active on the host",
        display_label=mapping.display_label,
        provider_context=dict(mapping.provider_context),
    )


def upgrade_hint(repo: Location, provider: str | None, ref: str) -> str:
    """A local legacy config is upgraded by the audit; a remote one by a pushed bind."""
    if isinstance(repo, RemoteProject):
        return f"apply with: {remote_bind_command(repo, provider, ref)}"
    return "apply with: sk-tracker audit --apply-upgrades"


def classify_legacy(row: AuditRow, by_slug: dict[str, Mapping]) -> AuditRow:
    mapping = by_slug.get(row.project_slug or "")
    if mapping is not None:
        return replace(
            row,
            state="legacy",
            reason=f"slug-only config; the host knows {mapping.binding_ref} (upgrade pending)",
            guidance=upgrade_hint(row.repo, row.provider, mapping.binding_ref),
            pending_ref=mapping.binding_ref,
            display_label=mapping.display_label,
            provider_context=dict(mapping.provider_context),
        )
    return replace(
        row,
        state="legacy",
        reason="slug-only config; the host has no mapping for this slug",
        guidance=bind_hint("bind", row.provider, after=remote_flags(row.repo)),
    )
