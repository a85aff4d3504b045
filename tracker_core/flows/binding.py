"""Binding flows: resolve a project's identity on the host, pick or confirm a
resource, and persist the ``binding_ref`` into the repo's config.

The steps are separate functions so the dashboard can preview a diff between them;
``bind`` chains them for the CLI and notebooks. Nothing is written unless the host
step succeeded, and a failed host call never changes a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_model import TrackerSection
from tracker_core.errors import (
    BindError,
    ConfigNotWrittenError,
    InvalidCandidateTokenError,
    NoCandidatesError,
    SelectionOutOfRangeError,
    StaleBindingError,
    StoreError,
    UsageError,
)
from tracker_core.flows.activity import ActivityLog
from tracker_core.flows.bind_context import (
    PENDING_REF as PENDING_REF,
)
from tracker_core.flows.bind_context import (
    BindContext as BindContext,
)
from tracker_core.flows.bind_context import (
    BindOutcome as BindOutcome,
)
from tracker_core.flows.bind_context import (
    ExistingBinding as ExistingBinding,
)
from tracker_core.flows.bind_context import (
    Method as Method,
)
from tracker_core.flows.bind_context import (
    binding_changes as binding_changes,
)
from tracker_core.flows.bind_context import (
    finish_command as finish_command,
)
from tracker_core.flows.bind_context import (
    persist as persist,
)
from tracker_core.flows.bind_context import (
    prepare as prepare,
)
from tracker_core.flows.bind_context import (
    preview as preview,
)
from tracker_core.host.client import HostClient
from tracker_core.host.wire import BindResult, Candidate, ResolveResult, Resource
from tracker_core.providers import normalize_provider
from tracker_core.safe_text import clean_text

log = logging.getLogger("tracker_core.flows.binding")

ChooseFn = Callable[[Sequence[Candidate]], Candidate | None]
ConfirmFn = Callable[[ExistingBinding], bool]


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
    fresh_token: Callable[[], str | None],
    policy: AccessPolicy,
) -> BindResult:
    """bind-confirm; an expired or consumed candidate token is re-resolved once
    (``fresh_token``) and the confirm retried once. The retry is a new request (a new
    token), so it carries a new idempotency key."""
    policy.require_mutation("bind resources")
    try:
        return client.bind_confirm(ctx.provider, token, ctx.identity)
    except InvalidCandidateTokenError:
        log.debug("candidate token refused; resolving again")
        fresh = fresh_token()
    if fresh is None:
        raise BindError(
            "the host no longer offers the chosen resource to this project; "
            f"run the bind again: sk-tracker bind --provider {ctx.provider}"
        )
    try:
        return client.bind_confirm(ctx.provider, fresh, ctx.identity)
    except InvalidCandidateTokenError as exc:
        raise BindError(
            "the host refused the candidate token again after resolving anew; "
            f"run the bind again: sk-tracker bind --provider {ctx.provider}"
        ) from exc


def _resolved_token(client: HostClient, ctx: BindContext, label: str | None) -> str | None:
    """A fresh candidate token from bind-resolve: the exact match's when ``label`` is
    None, else the candidate (or exact match) shown with that label."""
    result = client.bind_resolve(ctx.provider, ctx.identity)
    if label is None:
        return result.candidate_token if result.match_type == "exact" else None
    if result.candidate_token and result.display_label == label:
        return result.candidate_token
    return next((c.candidate_token for c in result.candidates if c.display_label == label), None)


def confirm_exact(
    client: HostClient,
    ctx: BindContext,
    candidate_token: str,
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
) -> BindResult:
    """Confirm an exact match the host offered as a candidate token."""
    return _confirm_token(
        client, ctx, candidate_token, lambda: _resolved_token(client, ctx, None), policy
    )


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
        lambda: _resolved_token(client, ctx, candidate.display_label),
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

    def refetch() -> str | None:
        workspace = resource.provider_context.get("workspace_name")
        return next(
            (
                r.candidate_token
                for r in client.resources(ctx.provider).resources
                if r.display_label == resource.display_label
                and r.provider_context.get("workspace_name") == workspace
            ),
            None,
        )

    return _confirm_token(client, ctx, resource.candidate_token, refetch, policy)


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
    """bind-validate a ref; an invalid one raises ``StaleBindingError`` naming the
    host's reason and carrying what the host said (nothing written)."""
    result = client.bind_validate(ctx.provider, binding_ref, ctx.identity)
    if not result.valid:
        said = result.guidance or result.message or ""
        raise StaleBindingError(
            binding_ref=binding_ref,
            reason=result.reason or "invalid",
            provider=ctx.provider,
            host_says=clean_text(said, max_len=300),
            actual_provider=result.provider,
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
    replace_asked: bool = False,
) -> tuple[Method, BindResult] | None:
    """The host side of a bind (nothing is written): ``bind_ref`` validated, else
    resource ``resource`` of the inventory (1-based), else resolve → exact match,
    or a candidate by ``select`` / ``choose``. None when ``choose`` declined.
    Flags an exact match cannot honour (``select``; ``replace_asked`` when the match
    is the binding the repo has) are a ``UsageError``."""
    method: Method
    if bind_ref is not None:
        return "bind_ref", validate_ref(client, ctx, bind_ref)
    if resource is not None:
        picked = (
            pick_resource(client, ctx.provider, resource) if isinstance(resource, int) else resource
        )
        existing = ctx.existing
        if replace_asked and existing is not None and existing.binding_ref == picked.binding_ref:
            raise UsageError(
                f"--yes has nothing to replace: {ctx.repo.name} is already bound to "
                f"{picked.display_label} (resource {resource})"
            )
        return "resource", confirm_resource(client, ctx, picked, policy=policy)
    resolved = client.bind_resolve(ctx.provider, ctx.identity)
    if resolved.match_type == "exact":
        _refuse_unusable_flags(ctx, resolved, select=select, replace_asked=replace_asked)
    if resolved.match_type == "exact" and resolved.binding_ref:
        method = "exact"
        result = validate_ref(client, ctx, resolved.binding_ref)
    elif resolved.match_type == "exact" and resolved.candidate_token:
        method = "exact"
        result = confirm_exact(client, ctx, resolved.candidate_token, policy=policy)
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


def _refuse_unusable_flags(
    ctx: BindContext, resolved: ResolveResult, *, select: int | None, replace_asked: bool
) -> None:
    label = resolved.display_label or resolved.binding_ref or "its resource"
    move = (
        f"to move it to another resource: sk-tracker bind --provider {ctx.provider} "
        f"--resource N (N as numbered by: sk-tracker discover --provider {ctx.provider})"
    )
    if select is not None:
        raise UsageError(
            f"--select {select} cannot be used: the host matches {ctx.repo.name} exactly to "
            f"{label}, so there is no candidate list to pick from; {move}"
        )
    existing = ctx.existing
    if replace_asked and existing is not None and existing.binding_ref == resolved.binding_ref:
        raise UsageError(
            f"--yes has nothing to replace: {ctx.repo.name} is already bound to {label}, "
            f"the binding the host matches it to; {move}"
        )


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
    project_uuid: str | None = None,
    new_identity: bool = False,
    replace_asked: bool = False,
) -> BindOutcome:
    """The whole bind flow of ``sk-tracker bind``.

    exact match → auto-bind; candidates → ``select`` (1-based) or ``choose``;
    ``bind_ref`` → validated first and persisted only if valid; ``resource`` → that
    resource of the inventory. An existing binding is replaced only when
    ``confirm_rebind`` agrees. ``project_uuid`` (with ``bind_ref``) finishes a bind
    whose file was not written: see ``prepare``. ``new_identity`` gives the repo a
    fresh project identity first (its tracker section, copied with the identity, is
    replaced without asking). Flags the flow cannot honour are a ``UsageError``:
    ``select`` when the host matches the project exactly, ``replace_asked``
    (``--yes``) when the match is the binding the repo already has.
    """
    check_choice(bind_ref, select, resource)
    if project_uuid is not None and bind_ref is None:
        raise UsageError("a project uuid goes with a binding ref (--bind-ref)")
    policy.require_writable(repo)
    ctx = prepare(repo, provider, project_uuid=project_uuid, new_identity=new_identity)
    existing = ctx.existing
    if not new_identity and not rebind_agreed(client, ctx, confirm_rebind):
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
            replace_asked=replace_asked,
        )
        if chosen is None:
            return ctx.declined()
        method, result = chosen
        config = persist(
            ctx, result.binding_ref, result.display_label, result.provider_context, policy=policy
        )
    except (BindError, UsageError):
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
