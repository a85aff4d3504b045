"""Binding a project that lives in a git remote: the same host step and the same
config text as a local bind, written as a commit on a branch of its own and pushed.

Nothing is pushed to the default branch unless asked. The host binding is made
first (as for a local bind); when the push is then refused, the error says which
binding was made and the command that finishes the job, so a bind never ends on
the host alone without the user being told.
"""

from __future__ import annotations

import uuid as uuid_mod
from dataclasses import dataclass
from pathlib import Path

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_io import config_path, parse_config_bytes, render_tracker_update
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.config.identity import ProjectIdentity, node_id
from tracker_core.errors import BindError, PushRejectedError, RemoteError, UsageError
from tracker_core.flows.activity import ActivityLog
from tracker_core.flows.audit import remote_bind_command
from tracker_core.flows.bind_context import settle_identity
from tracker_core.flows.binding import (
    BindContext,
    BindOutcome,
    ChooseFn,
    ConfirmFn,
    _record,
    binding_changes,
    check_choice,
    host_bind,
    rebind_agreed,
)
from tracker_core.host.client import HostClient
from tracker_core.host.wire import Resource
from tracker_core.providers import normalize_provider
from tracker_core.remote.mirror import Mirror, MirrorCache
from tracker_core.remote.probe import bind_branch_name
from tracker_core.remote.push import commit_file, push, read_file, review_url
from tracker_core.remote.scan import derived_slug
from tracker_core.remote.urls import RemoteProject


@dataclass(frozen=True)
class RemoteBindOutcome:
    """A bind as for a local repo (``bind.repo`` is ``host/org/repo[/path]``), and
    where its commit went."""

    project: RemoteProject
    bind: BindOutcome
    branch: str = ""  # where the commit was pushed
    commit: str = ""
    to_default: bool = False
    review_url: str | None = None  # opens a pull/merge request (GitHub/GitLab URLs)

    @property
    def status(self) -> str:
        return self.bind.status


def _config(project: RemoteProject, data: bytes | None) -> TrackerProjectConfig:
    where = Path(project.name)
    if data is None:
        return TrackerProjectConfig(where, config_path(where), False, None, None, None)
    return parse_config_bytes(where, data)


def prepare_remote(
    mirrors: MirrorCache,
    project: RemoteProject,
    provider: str,
    *,
    project_uuid: str | None = None,
) -> tuple[Mirror, BindContext]:
    """Fetch the remote and read the project's config from its default branch; the
    identity is the file's, else a fresh one (slug from the repo or folder name),
    with ``project_uuid`` as its uuid when finishing a bind that derived it."""
    name = normalize_provider(provider)
    # A bind writes on top of the branch as it is now, never as a window remembers it.
    mirror = mirrors.sync(project.remote, window=False)
    config = _config(project, read_file(mirror, project))

    def derive() -> ProjectIdentity:
        return ProjectIdentity(str(uuid_mod.uuid4()), derived_slug(project), node_id())

    identity, created = settle_identity(
        config, derive, project_uuid, afresh=remote_bind_command(project, name, None)
    )
    if identity.repo_slug is None:
        identity = identity.with_repo_slug(project.remote.path)
    return mirror, BindContext(Path(project.name), name, config, identity, created)


def bind_branch(ctx: BindContext) -> str:
    """The branch a remote bind pushes (unless it goes to the default branch)."""
    return bind_branch_name(ctx.identity.slug)


def commit_message(ctx: BindContext, project: RemoteProject, ref: str, label: str | None) -> str:
    previous = ctx.existing.binding_ref if ctx.existing else None
    lines = [
        f"Bind {project.config_path} to {ctx.provider} {label or ref}",
        "",
        f"tracker.binding_ref: {ref}",
        f"tracker.provider: {ctx.provider}",
    ]
    if previous:
        lines.append(f"replaces binding_ref: {previous}")
    if ctx.identity_created:
        lines.append(f"adds the project identity: uuid {ctx.identity.uuid}")
    lines += ["", "Written by sk-tracker bind; every byte outside tracker: is unchanged."]
    return "\n".join(lines) + "\n"


def bind_remote(
    client: HostClient,
    mirrors: MirrorCache,
    project: RemoteProject,
    provider: str,
    *,
    bind_ref: str | None = None,
    select: int | None = None,
    resource: int | Resource | None = None,
    choose: ChooseFn | None = None,
    confirm_rebind: ConfirmFn | bool = False,
    push_to_default: bool = False,
    project_uuid: str | None = None,
    policy: AccessPolicy = ADMIN_ANYWHERE,
    activity: ActivityLog | None = None,
) -> RemoteBindOutcome:
    """Bind a remote project and push the config change (see the module doc);
    ``project_uuid`` (with ``bind_ref``) finishes a bind whose push was refused."""
    check_choice(bind_ref, select, resource)
    if project_uuid is not None and bind_ref is None:
        raise UsageError("a project uuid goes with a binding ref (--bind-ref)")
    policy.require_mutation("push bindings")
    mirror, ctx = prepare_remote(mirrors, project, provider, project_uuid=project_uuid)
    if not rebind_agreed(client, ctx, confirm_rebind):
        return RemoteBindOutcome(project, ctx.declined())
    where = str(project)  # the activity log names it host/org/repo[/path] from this
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
    except (BindError, UsageError):
        raise  # a refused choice, as for a local bind: nothing was attempted
    except Exception as exc:
        _record(activity, policy, ctx, new_ref=None, result="failed", detail=str(exc), where=where)
        raise
    if chosen is None:
        return RemoteBindOutcome(project, ctx.declined())
    method, result = chosen
    changes = binding_changes(
        ctx, result.binding_ref, result.display_label, result.provider_context
    )
    _, text = render_tracker_update(
        ctx.config, changes, project=ctx.identity if ctx.identity_created else None
    )
    message = commit_message(ctx, project, result.binding_ref, result.display_label)
    branch = mirror.branch if push_to_default else bind_branch(ctx)
    made = ctx.identity.uuid if ctx.identity_created else None
    finish = remote_bind_command(project, ctx.provider, result.binding_ref, made)
    try:
        commit = commit_file(mirror, project.config_path, text.encode("utf-8"), message)
        push(mirror, commit, branch)
    except RemoteError as exc:
        _record(
            activity,
            policy,
            ctx,
            new_ref=result.binding_ref,
            result="failed",
            detail=str(exc),
            where=where,
        )
        raise PushRejectedError(
            f"push of {branch} to {project.remote.name} was refused ({exc}); the host binding "
            f"{result.binding_ref} is made; finish with: {finish}",
            binding_ref=result.binding_ref,
            finish=finish,
        ) from None
    detail = f"{method}; pushed {branch}"
    _record(
        activity, policy, ctx, new_ref=result.binding_ref, result="ok", detail=detail, where=where
    )
    outcome = BindOutcome(
        ctx.repo,
        ctx.provider,
        "bound",
        method,
        result.binding_ref,
        result.display_label,
        dict(result.provider_context),
        ctx.existing.binding_ref if ctx.existing else None,
        _config(project, text.encode("utf-8")),
    )
    return RemoteBindOutcome(
        project,
        outcome,
        branch,
        commit,
        push_to_default,
        None if push_to_default else review_url(project.remote, branch, mirror.branch),
    )
