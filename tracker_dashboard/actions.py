"""The dashboard's mutating actions: bind one repo, re-bind many, apply upgrades.

Each goes through ``TrackerService`` / ``tracker_core.flows.rebind``, whose access policy
is checked again right before anything is sent or written, so a viewer session
causes no bind-confirm and no file write even if a control were enabled by mistake
(or this function called directly). Every outcome becomes a ``Change`` in the
session's summary, and a successful one drops the cached host reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal

import streamlit as st

from tracker_core.errors import TrackerError
from tracker_core.flows import rebind
from tracker_core.flows.audit import AuditReport, AuditRow, Location
from tracker_core.flows.binding import BindOutcome
from tracker_core.flows.service import TrackerService, same_candidate
from tracker_core.host.wire import Candidate, Resource
from tracker_core.remote.urls import RemoteProject

from . import loaders
from .tab_session import DashboardSession

CHANGES_KEY = "_tracker_changes"


@dataclass(frozen=True)
class Change:
    repo: str
    action: str  # bind | rebind | upgrade
    provider: str | None
    ok: bool
    old_ref: str | None = None
    new_ref: str | None = None
    label: str | None = None
    detail: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class BindChoice:
    """What a person picked for one repo on the Bind page."""

    kind: Literal["exact", "candidate", "resource"]
    label: str
    binding_ref: str | None = None  # exact: known before the write
    context: dict[str, str] = field(default_factory=dict)  # for the preview
    candidate: Candidate | None = None
    resource: Resource | None = None


def changes() -> list[Change]:
    value = st.session_state.get(CHANGES_KEY, [])
    return list(value) if isinstance(value, list) else []


def _remember(new: Sequence[Change]) -> None:
    st.session_state[CHANGES_KEY] = [*changes(), *new]
    if any(c.ok for c in new):
        loaders.after_change()


def _declined(choice: BindChoice) -> str:
    """Why a bind the host was asked for did not happen (it re-resolves first)."""
    if choice.kind == "exact":
        return "the host no longer has one exact match for this project; pick a candidate"
    return (
        f"{choice.label} is no longer a candidate for this project (bound meanwhile?); "
        "resolve again; nothing was written"
    )


def _from_outcome(
    repo: Location, provider: str, outcome: BindOutcome, choice: BindChoice
) -> Change:
    bound = outcome.status == "bound"
    return Change(
        str(repo),
        "rebind" if outcome.previous_ref else "bind",
        provider,
        bound,
        outcome.previous_ref,
        outcome.binding_ref if bound else None,
        outcome.display_label if bound else None,
        detail=(outcome.method or "") if bound else _declined(choice),
    )


def bind_one(
    session: DashboardSession,
    repo: Location,
    provider: str,
    choice: BindChoice,
    old_ref: str | None,
) -> Change:
    """Bind ``repo`` as chosen (a git remote: on a pushed branch); the result (or the
    one-line error) as a ``Change``."""
    service = session.service
    try:
        if isinstance(repo, RemoteProject):
            change = _bind_remote(service, repo, provider, choice)
        elif choice.kind == "exact":
            outcome = service.bind(repo, provider, choose=lambda _c: None, confirm_rebind=True)
            change = _from_outcome(repo, provider, outcome, choice)
        elif choice.kind == "candidate" and choice.candidate is not None:
            outcome = service.bind_candidate(repo, provider, choice.candidate)
            change = _from_outcome(repo, provider, outcome, choice)
        elif choice.kind == "resource" and choice.resource is not None:
            outcome = service.bind_resource(repo, provider, choice.resource)
            change = _from_outcome(repo, provider, outcome, choice)
        else:
            raise TrackerError("nothing was chosen to bind to")
    except TrackerError as exc:
        change = Change(
            str(repo), "rebind" if old_ref else "bind", provider, False, old_ref, detail=str(exc)
        )
    _remember([change])
    return change


def _bind_remote(
    service: TrackerService, project: RemoteProject, provider: str, choice: BindChoice
) -> Change:
    wanted = choice.candidate
    pushed = service.bind_remote(
        project,
        provider,
        bind_ref=choice.binding_ref if choice.kind == "exact" else None,
        resource=choice.resource if choice.kind == "resource" else None,
        choose=(lambda cands: same_candidate(cands, wanted)) if wanted is not None else None,
        confirm_rebind=True,
    )
    change = _from_outcome(project, provider, pushed.bind, choice)
    if pushed.branch:
        review = f"; open a pull request: {pushed.review_url}" if pushed.review_url else ""
        change = replace(change, detail=f"pushed to branch {pushed.branch}{review}")
    return change


Progress = Callable[[int, int, rebind.RebindResult], None]


def _from_results(results: Sequence[rebind.RebindResult]) -> list[Change]:
    return [
        Change(
            str(r.repo),
            "rebind",
            r.provider,
            r.ok,
            r.previous_ref,
            r.binding_ref,
            r.display_label,
            detail=r.error or "",
        )
        for r in results
    ]


def _rebind(
    items: Sequence[rebind.RebindItem], apply: Callable[[], Sequence[rebind.RebindResult]]
) -> list[Change]:
    """Run a batch re-bind; a refusal before anything was sent (the role check) fails
    each of ``items`` with its reason."""
    try:
        results = apply()
    except TrackerError as exc:
        results = [
            rebind.RebindResult(i.repo, i.provider, False, i.previous_ref, error=str(exc))
            for i in items
        ]
    out = _from_results(results)
    _remember(out)
    return out


def rebind_exact(
    session: DashboardSession, items: Sequence[rebind.RebindItem], progress: Progress | None = None
) -> list[Change]:
    return _rebind(items, lambda: rebind.apply_exact(session.service, items, progress=progress))


def rebind_choices(
    session: DashboardSession,
    choices: Sequence[tuple[rebind.RebindItem, Candidate]],
    progress: Progress | None = None,
) -> list[Change]:
    return _rebind(
        [i for i, _ in choices],
        lambda: rebind.apply_choices(session.service, choices, progress=progress),
    )


def apply_upgrades(session: DashboardSession, rows: Sequence[AuditRow]) -> list[Change]:
    """Write the ref the host already knows into each legacy repo of ``rows``."""
    pending = [r for r in rows if r.pending_ref]
    try:
        session.service.policy.require_mutation("apply upgrades")
        results = session.service.apply_upgrades(AuditReport(list(pending)))
        out = [
            Change(
                str(r.repo),
                "upgrade",
                row.provider,
                r.ok,
                None,
                r.binding_ref,
                row.display_label,
                detail=r.error or "",
            )
            for r, row in zip(results, pending, strict=True)
        ]
    except TrackerError as exc:
        out = [
            Change(str(r.repo), "upgrade", r.provider, False, None, r.pending_ref, detail=str(exc))
            for r in pending
        ]
    _remember(out)
    return out
