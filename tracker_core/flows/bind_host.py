"""The host side of a bind: validate a ``binding_ref``, or resolve the project and
pick an exact match, a candidate or a resource of the inventory, then confirm it on
the host. Nothing here writes a file; ``binding`` persists what this returns."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.errors import (
    BindError,
    InvalidCandidateTokenError,
    NoCandidatesError,
    SelectionOutOfRangeError,
    StaleBindingError,
    UsageError,
)
from tracker_core.flows.bind_context import BindContext, Method
from tracker_core.host.client import HostClient
from tracker_core.host.wire import BindResult, Candidate, ResolveResult, Resource
from tracker_core.safe_text import clean_text

log = logging.getLogger("tracker_core.flows.binding")

ChooseFn = Callable[[Sequence[Candidate]], Candidate | None]


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
