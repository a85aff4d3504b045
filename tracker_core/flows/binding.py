"""Binding flows: resolve a project's identity on the host, pick or confirm a
resource (``bind_host``), and persist the ``binding_ref`` into the repo's config
(``bind_context``).

The steps are separate functions so the dashboard can preview a diff between them;
``bind`` chains them for the CLI and notebooks and records each outcome in the
activity log. Nothing is written unless the host
step succeeded, and a failed host call never changes a file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_model import TrackerSection
from tracker_core.errors import BindError, ConfigNotWrittenError, StoreError, UsageError
from tracker_core.flows.activity import ActivityLog

# The bind's pieces, importable from here as one flow: the local side (prepare,
# preview, persist) and the host side (choose and confirm).
from tracker_core.flows.bind_context import BindContext as BindContext
from tracker_core.flows.bind_context import BindOutcome as BindOutcome
from tracker_core.flows.bind_context import ExistingBinding as ExistingBinding
from tracker_core.flows.bind_context import binding_changes as binding_changes
from tracker_core.flows.bind_context import persist as persist
from tracker_core.flows.bind_context import prepare as prepare
from tracker_core.flows.bind_context import preview as preview
from tracker_core.flows.bind_host import ChooseFn as ChooseFn
from tracker_core.flows.bind_host import check_choice as check_choice
from tracker_core.flows.bind_host import host_bind as host_bind
from tracker_core.host.client import HostClient
from tracker_core.providers import normalize_provider

log = logging.getLogger("tracker_core.flows.binding")

ConfirmFn = Callable[[ExistingBinding], bool]


def existing_binding(
    client: HostClient, ctx: BindContext, section: TrackerSection
) -> ExistingBinding:
    """The repo's current binding, checked with the host so the question about
    replacing it can say whether it is stale."""
    if not section.binding_ref or normalize_provider(section.provider or "") != ctx.provider:
        return ExistingBinding(section)
    result = client.bind_validate(ctx.provider, section.binding_ref, ctx.identity)
    return ExistingBinding(section, None if result.valid else (result.reason or "invalid"))


def _record(
    activity: ActivityLog | None,
    policy: AccessPolicy,
    ctx: BindContext,
    *,
    new_ref: str | None,
    result: str,
    detail: str = "",
    where: str | None = None,  # the repo as text when it is no folder (a remote's URL#path)
) -> None:
    if activity is None:
        return
    old = ctx.existing.binding_ref if ctx.existing else None
    try:
        activity.record(
            actor=policy.actor,
            action="rebind" if ctx.existing else "bind",
            repo=where if where is not None else ctx.repo,
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
