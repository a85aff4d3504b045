"""Binding flows: resolve a project's identity on the host, pick or confirm a
resource, and persist the ``binding_ref`` into the repo's config.

The steps are separate functions so the dashboard can preview a diff between them;
``bind`` chains them for the CLI and notebooks. Nothing is written unless the host
step succeeded, and a failed host call never changes a file.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_io import config_diff, load_config, update_tracker
from tracker_core.config.config_model import TrackerProjectConfig, TrackerSection
from tracker_core.config.file_lock import ConfigLockError
from tracker_core.config.identity import ProjectIdentity, derive_identity, git_remote_slug
from tracker_core.errors import (
    BindError,
    ConfigConflictError,
    ConfigError,
    ConfigNotWrittenError,
    InvalidCandidateTokenError,
    NoCandidatesError,
    PathNotAllowedError,
    SelectionOutOfRangeError,
    StaleBindingError,
    StoreError,
)
from tracker_core.flows.activity import ActivityLog
from tracker_core.host.client import HostClient
from tracker_core.host.wire import BindResult, Candidate, ResolveResult, Resource
from tracker_core.providers import normalize_provider

log = logging.getLogger("tracker_core.flows.binding")

ChooseFn = Callable[[Sequence[Candidate]], Candidate | None]
ConfirmFn = Callable[["ExistingBinding"], bool]
Method = Literal["exact", "selected", "bind_ref", "resource"]

PENDING_REF = "(assigned by the host on confirm)"


@dataclass(frozen=True)
class ExistingBinding:
    """The binding a bind would replace; ``stale_reason`` is the host's reason
    (``mapping_deleted``, ``mapping_disabled``…) when its ref no longer validates."""

    section: TrackerSection
    stale_reason: str | None = None

    @property
    def stale(self) -> bool:
        return self.stale_reason is not None


@dataclass(frozen=True)
class BindContext:
    """A repo about to be bound: its config and the identity the host will see."""

    repo: Path
    provider: str
    config: TrackerProjectConfig
    identity: ProjectIdentity
    identity_created: bool  # derived now; persisted together with the binding

    @property
    def existing(self) -> TrackerSection | None:
        tracker = self.config.tracker
        return tracker if tracker is not None and tracker.is_configured else None

    def declined(self) -> BindOutcome:
        previous = self.existing.binding_ref if self.existing else None
        return BindOutcome(self.repo, self.provider, "declined", previous_ref=previous)


@dataclass(frozen=True)
class BindOutcome:
    repo: Path
    provider: str
    status: Literal["bound", "declined"]
    method: Method | None = None
    binding_ref: str | None = None
    display_label: str | None = None
    provider_context: dict[str, str] = field(default_factory=dict)
    previous_ref: str | None = None
    config: TrackerProjectConfig | None = None


def prepare(repo: Path, provider: str) -> BindContext:
    """Load the config (a broken one raises ``ConfigError`` and is left alone; one
    reached through a symlink ``PathNotAllowedError``) and the project identity,
    deriving one when the file has none."""
    name = normalize_provider(provider)
    config = load_config(repo)
    if config.symlinked:  # refused before the host is asked: it could never be written
        raise PathNotAllowedError(
            f"{config.path}: not bound because it is reached through a symlink "
            "(bind the real repo instead)"
        )
    if config.project is not None:
        identity, created = config.project, False
    else:
        identity, created = derive_identity(repo), True
    if identity.repo_slug is None:
        identity = identity.with_repo_slug(git_remote_slug(repo))
    return BindContext(Path(repo), name, config, identity, created)


def binding_changes(
    ctx: BindContext, binding_ref: str, label: str | None, context: Mapping[str, str]
) -> dict[str, object]:
    """The tracker keys a bind writes. ``project_slug`` stays as the legacy routing
    key: kept when present, else the project's slug."""
    existing = ctx.config.tracker
    slug = existing.project_slug if existing and existing.project_slug else ctx.identity.slug
    changes: dict[str, object] = {
        "provider": ctx.provider,
        "binding_ref": binding_ref,
        "project_slug": slug,
        "display_label": label,
        "provider_context": dict(context),
    }
    return changes


def preview(
    ctx: BindContext,
    *,
    binding_ref: str | None,
    label: str | None,
    context: Mapping[str, str] | None = None,
) -> str:
    """Unified diff of what a bind would write (the ref shown as pending when the host
    has not assigned it yet)."""
    changes = binding_changes(ctx, binding_ref or PENDING_REF, label, context or {})
    project = ctx.identity if ctx.identity_created else None
    return config_diff(ctx.config, changes, project=project)


def finish_command(ctx: BindContext, binding_ref: str) -> str:
    """The command that writes an already-made binding into the repo's config."""
    return (
        f"sk-tracker bind --provider {ctx.provider} --bind-ref {shlex.quote(binding_ref)} "
        f"--repo {shlex.quote(str(ctx.repo))}"
    )


def persist(
    ctx: BindContext,
    binding_ref: str,
    label: str | None,
    context: Mapping[str, str],
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> TrackerProjectConfig:
    """Write a binding the host already holds. Under the config's lock the file is
    read as it is now and the binding applied on top of it, again if another writer
    replaced it meanwhile, so other writers' edits are kept and the binding lands.

    A file that truly cannot be written (permissions, disk, refused path, or another
    writer gave the repo a different project identity) raises
    ``ConfigNotWrittenError`` with the ``binding_ref`` and the finishing command."""
    root = policy.require_writable(ctx.repo)

    def apply(current: TrackerProjectConfig) -> tuple[dict[str, object], ProjectIdentity | None]:
        if current.project is not None and current.project.uuid != ctx.identity.uuid:
            raise ConfigNotWrittenError(
                ctx.repo,
                ctx.provider,
                binding_ref,
                f"the file now holds another project identity ({current.project.uuid}); "
                f"the host bound {ctx.identity.uuid}",
                f"sk-tracker bind --provider {ctx.provider} --repo {shlex.quote(str(ctx.repo))}",
            )
        changes = binding_changes(replace(ctx, config=current), binding_ref, label, context)
        project = ctx.identity if current.project is None and ctx.identity_created else None
        return changes, project

    try:
        return update_tracker(ctx.config, apply, root=root)
    except ConfigNotWrittenError:
        raise
    except (ConfigError, ConfigConflictError, ConfigLockError, PathNotAllowedError) as exc:
        reason = exc.reason if isinstance(exc, ConfigError) else str(exc)
        raise ConfigNotWrittenError(
            ctx.repo, ctx.provider, binding_ref, reason, finish_command(ctx, binding_ref)
        ) from None


def select_candidate(result: ResolveResult, select: int) -> Candidate:
    """``--select N``: the candidate at ``sort_position`` N-1."""
    count = len(result.candidates)
    if count == 0:
        raise NoCandidatesError("there are no candidates to select from")
    for cand in result.candidates:
        if cand.sort_position == select - 1:
            return cand
    raise SelectionOutOfRangeError(f"selection {select} is out of range: choose 1 to {count}")


def no_candidates_message(provider: str) -> str:
    return (
        f"the host found no {provider} resource this project can bind to; connect or "
        "create the resource in the SaaS dashboard, then run: "
        f"sk-tracker discover --provider {provider}"
    )


def _confirm_token(
    client: HostClient,
    ctx: BindContext,
    token: str,
    label: str,
    refetch: Callable[[], Sequence[tuple[str, str]]],
    policy: AccessPolicy,
) -> BindResult:
    """bind-confirm; an expired or consumed candidate token is re-fetched once (by
    its label) and the confirm retried once, with a new idempotency key."""
    policy.require_mutation("bind resources")
    try:
        return client.bind_confirm(ctx.provider, token, ctx.identity)
    except InvalidCandidateTokenError:
        fresh = [t for t, lbl in refetch() if lbl == label]
        if not fresh:
            raise
        return client.bind_confirm(ctx.provider, fresh[0], ctx.identity)


def _resolve_tokens(client: HostClient, ctx: BindContext) -> list[tuple[str, str]]:
    result = client.bind_resolve(ctx.provider, ctx.identity)
    pairs = [(c.candidate_token, c.display_label) for c in result.candidates]
    if result.candidate_token and result.display_label:
        pairs.insert(0, (result.candidate_token, result.display_label))
    return pairs


def confirm_candidate(
    client: HostClient,
    ctx: BindContext,
    candidate: Candidate,
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> BindResult:
    return _confirm_token(
        client,
        ctx,
        candidate.candidate_token,
        candidate.display_label,
        lambda: _resolve_tokens(client, ctx),
        policy,
    )


def confirm_resource(
    client: HostClient,
    ctx: BindContext,
    resource: Resource,
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> BindResult:
    """Bind to a resource picked from the inventory (its candidate token)."""

    def refetch() -> list[tuple[str, str]]:
        workspace = resource.provider_context.get("workspace_name")
        return [
            (r.candidate_token, r.display_label)
            for r in client.resources(ctx.provider).resources
            if r.provider_context.get("workspace_name") == workspace
        ]

    return _confirm_token(
        client, ctx, resource.candidate_token, resource.display_label, refetch, policy
    )


def existing_binding(
    client: HostClient, ctx: BindContext, section: TrackerSection
) -> ExistingBinding:
    """The repo's current binding, checked with the host so the question about
    replacing it can say whether it is stale."""
    if not section.binding_ref or normalize_provider(section.provider or "") != ctx.provider:
        return ExistingBinding(section)
    result = client.bind_validate(ctx.provider, section.binding_ref, ctx.identity)
    return ExistingBinding(section, None if result.valid else (result.reason or "invalid"))


def validate_ref(client: HostClient, ctx: BindContext, binding_ref: str) -> BindResult:
    """bind-validate a ref; an invalid one raises ``StaleBindingError`` (nothing written)."""
    result = client.bind_validate(ctx.provider, binding_ref, ctx.identity)
    if not result.valid:
        raise StaleBindingError(
            binding_ref=binding_ref, reason=result.reason or "invalid", provider=ctx.provider
        )
    return BindResult(
        binding_ref=result.binding_ref,
        display_label=result.display_label or binding_ref,
        provider=result.provider or ctx.provider,
        provider_context=result.provider_context,
        bound_at=None,
    )


def _record(
    activity: ActivityLog | None,
    policy: AccessPolicy,
    ctx: BindContext,
    *,
    new_ref: str | None,
    result: str,
    detail: str = "",
) -> None:
    if activity is None:
        return
    old = ctx.existing.binding_ref if ctx.existing else None
    try:
        activity.record(
            actor=policy.actor,
            action="rebind" if ctx.existing else "bind",
            repo=ctx.repo,
            provider=ctx.provider,
            old_ref=old,
            new_ref=new_ref,
            result=result,
            detail=detail,
        )
    except (OSError, StoreError) as exc:  # the log is a record, not a gate
        log.warning("activity log not written: %s", exc)


def rebind_agreed(client: HostClient, ctx: BindContext, confirm_rebind: ConfirmFn | bool) -> bool:
    """Whether to go on: no binding yet, or ``confirm_rebind`` agrees to replace it
    (asked with the binding checked on the host, so it can say whether it is stale)."""
    existing = ctx.existing
    if existing is None:
        return True
    if not callable(confirm_rebind):
        return confirm_rebind
    return confirm_rebind(existing_binding(client, ctx, existing))


def check_choice(bind_ref: str | None, select: int | None, resource: int | Resource | None) -> None:
    """At most one way to pick what to bind."""
    options = (("a binding ref", bind_ref), ("a selection", select), ("a resource", resource))
    given = [name for name, value in options if value is not None]
    if len(given) > 1:
        raise BindError(f"use only one of {' / '.join(given)}")


def host_bind(
    client: HostClient,
    ctx: BindContext,
    *,
    bind_ref: str | None = None,
    select: int | None = None,
    choose: ChooseFn | None = None,
    resource: int | Resource | None = None,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> tuple[Method, BindResult] | None:
    """The host side of a bind (nothing is written): ``bind_ref`` validated, else
    resource ``resource`` of the inventory (1-based), else resolve → exact match,
    or a candidate by ``select`` / ``choose``. None when ``choose`` declined."""
    method: Method
    if bind_ref is not None:
        return "bind_ref", validate_ref(client, ctx, bind_ref)
    if resource is not None:
        picked = (
            pick_resource(client, ctx.provider, resource) if isinstance(resource, int) else resource
        )
        return "resource", confirm_resource(client, ctx, picked, policy=policy)
    resolved = client.bind_resolve(ctx.provider, ctx.identity)
    if resolved.match_type == "exact" and resolved.binding_ref:
        method = "exact"
        result = validate_ref(client, ctx, resolved.binding_ref)
    elif resolved.match_type == "exact" and resolved.candidate_token:
        method = "exact"
        policy.require_mutation("bind resources")
        result = client.bind_confirm(ctx.provider, resolved.candidate_token, ctx.identity)
    elif resolved.candidates:
        method = "selected"
        if select is not None:
            chosen: Candidate | None = select_candidate(resolved, select)
        elif choose is not None:
            chosen = choose(resolved.candidates)
        else:
            raise BindError(
                f"{len(resolved.candidates)} candidates match; choose one with "
                f"--select N (1 to {len(resolved.candidates)})"
            )
        if chosen is None:
            return None
        result = confirm_candidate(client, ctx, chosen, policy=policy)
    else:
        raise NoCandidatesError(no_candidates_message(ctx.provider))
    return method, result


def pick_resource(client: HostClient, provider: str, number: int) -> Resource:
    """``--resource N``: resource N (1-based) of the provider's inventory, in the
    order ``sk-tracker discover`` lists it."""
    resources = client.resources(provider).resources
    if not resources:
        raise NoCandidatesError(no_candidates_message(provider))
    if not 1 <= number <= len(resources):
        raise SelectionOutOfRangeError(
            f"resource {number} is out of range: choose 1 to {len(resources)}"
        )
    return resources[number - 1]


def record_failure(
    activity: ActivityLog | None, policy: AccessPolicy, ctx: BindContext, exc: Exception
) -> None:
    """A failed bind in the activity log; one the host holds but the file does not is
    recorded with its new ref as "bound on host, config not written"."""
    if isinstance(exc, ConfigNotWrittenError):
        _record(activity, policy, ctx, new_ref=exc.binding_ref, result="failed", detail=exc.detail)
    else:
        _record(activity, policy, ctx, new_ref=None, result="failed", detail=str(exc))


def bind(
    client: HostClient,
    repo: Path,
    provider: str,
    *,
    bind_ref: str | None = None,
    select: int | None = None,
    choose: ChooseFn | None = None,
    confirm_rebind: ConfirmFn | bool = False,
    policy: AccessPolicy = ADMIN_ANYWHERE,
    activity: ActivityLog | None = None,
    resource: int | None = None,
) -> BindOutcome:
    """The whole bind flow of ``sk-tracker bind``.

    exact match → auto-bind; candidates → ``select`` (1-based) or ``choose``;
    ``bind_ref`` → validated first and persisted only if valid; ``resource`` → that
    resource of the inventory. An existing binding is replaced only when
    ``confirm_rebind`` agrees.
    """
    check_choice(bind_ref, select, resource)
    policy.require_writable(repo)
    ctx = prepare(repo, provider)
    existing = ctx.existing
    if not rebind_agreed(client, ctx, confirm_rebind):
        return ctx.declined()
    try:
        chosen = host_bind(
            client,
            ctx,
            bind_ref=bind_ref,
            select=select,
            choose=choose,
            resource=resource,
            policy=policy,
        )
        if chosen is None:
            return ctx.declined()
        method, result = chosen
        config = persist(
            ctx, result.binding_ref, result.display_label, result.provider_context, policy=policy
        )
    except BindError:
        raise
    except Exception as exc:
        record_failure(activity, policy, ctx, exc)
        raise
    _record(activity, policy, ctx, new_ref=result.binding_ref, result="ok", detail=method)
    return BindOutcome(
        repo=ctx.repo,
        provider=ctx.provider,
        status="bound",
        method=method,
        binding_ref=result.binding_ref,
        display_label=result.display_label,
        provider_context=dict(result.provider_context),
        previous_ref=existing.binding_ref if existing else None,
        config=config,
    )
