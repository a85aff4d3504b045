"""Rows of projects that are not alone: worktrees take their main checkout's state,
clones keep their own and say where else they are checked out, and two different
projects claiming one identity are a conflict whose fix touches only one of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from tracker_core.flows.audit_rows import AuditRow, FoundRepo, bind_command
from tracker_core.local.git_facts import GitFacts
from tracker_core.local.grouping import Relation, relate
from tracker_core.local.scan import LocalRepo
from tracker_core.remote.urls import RemoteProject


def new_identity_hint(row: AuditRow) -> str:
    if isinstance(row.repo, RemoteProject):
        # A remote bind keeps the identity on file, so the fresh one is made in a clone.
        project = row.repo
        folder = project.remote.repo_name
        inside = f"/{project.subpath}" if project.subpath else ""
        command = bind_command(
            row.provider, before=f" --repo {folder}{inside}", after=" --new-identity"
        )
        return (
            f"if this repository is the copy: git clone {project.url} {folder}, run "
            f"{command} in it, then commit and push {project.config_path} "
            "(gives it its own project identity and binds it; the other project is not touched)"
        )
    command = bind_command(row.provider, before=f" --repo {row.repo}", after=" --new-identity")
    return (
        f"in the repo that is the copy, run: {command} "
        "(gives it its own project identity and binds it; the other project is not touched)"
    )


def _conflict(row: AuditRow, rel: Relation) -> AuditRow:
    others = tuple(sorted({c.other.label for c in rel.conflicts}))
    first = rel.conflicts[0]
    return replace(
        row,
        state="conflict",
        reason=(
            f"{first.claim} {first.value} is also claimed by {', '.join(others)}, "
            f"a different project: {first.why}"
        ),
        guidance=new_identity_hint(row),
        pending_ref=None,
        conflicts_with=others,
    )


def _tracker_key(row: AuditRow) -> tuple[str | None, str | None, str | None]:
    return (row.provider, row.binding_ref, row.project_slug)


def _worktree(row: AuditRow, main: AuditRow, branch: str | None) -> AuditRow:
    on = f" (branch {branch})" if branch else ""
    reason = f"worktree of {main.label}{on}; the project is {main.state}"
    if _tracker_key(row) != _tracker_key(main):
        reason += (
            f"; its tracker: section differs from {main.label}'s (a branch cut before "
            "the bind): no action needed, merging brings it in line"
        )
    guidance = "" if not main.needs_action else f"act on {main.label}: {main.guidance}"
    return replace(
        row,
        state=main.state,
        reason=reason,
        guidance=guidance,
        pending_ref=None,  # upgrades go to the main checkout, never into a worktree
        worktree_of=main.label,
        branch=branch,
    )


def as_checkout(repo: FoundRepo) -> LocalRepo:
    """A remote project as a checkout at its folder in the mirror, whose origin is the
    remote: a local clone of that remote holding the same project is then a copy of
    it, not a conflict."""
    if isinstance(repo, LocalRepo):
        return repo
    mirror = repo.mirror
    git = GitFacts(mirror, mirror, mirror, None) if mirror is not None else None
    top = mirror if mirror is not None else Path("/", repo.label)
    folder = top / repo.path.subpath if repo.path.subpath else top
    return LocalRepo(folder, repo.config, repo.error, name=repo.label, git=git)


def apply_relations(rows: Sequence[AuditRow], found: Sequence[FoundRepo]) -> list[AuditRow]:
    """``rows`` (one per repo of ``found``, same order) with worktrees, clones and
    conflicts settled."""
    repos = [as_checkout(r) for r in found]
    relations = relate(repos)
    index = {local.path: i for i, local in enumerate(repos)}
    out = list(rows)
    for i, local in enumerate(repos):
        rel = relations.get(local.path)
        if local.git is not None and local.git.is_worktree:
            out[i] = replace(out[i], branch=local.git.branch)
            if rel is None or rel.worktree_of is None:
                note = "a worktree whose main checkout is outside the roots"
                out[i] = replace(out[i], reason=f"{out[i].reason} ({note})".strip())
        if rel is None or rel.worktree_of is not None:
            continue
        if rel.conflicts:
            out[i] = _conflict(out[i], rel)
        if rel.copies:
            also = tuple(sorted(c.label for c in rel.copies))
            reason = f"{out[i].reason}; also checked out at {', '.join(also)}"
            out[i] = replace(out[i], also_at=also, reason=reason)
    for i, local in enumerate(repos):
        rel = relations.get(local.path)
        if rel is not None and rel.worktree_of is not None:
            main = out[index[rel.worktree_of.path]]
            branch = local.git.branch if local.git is not None else None
            out[i] = _worktree(out[i], main, branch)
    return out
