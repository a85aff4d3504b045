"""Re-binding many repos at once: plan, then bind the sure ones and queue the rest.

``plan_rebind`` resolves every repo's identity on the host (reads only, concurrently)
and sorts the repos into:

- ``exact``: the host already holds an active mapping for the project (e.g. it was
  re-bound from another clone): re-binding writes that ref, no choice needed;
- ``choice``: the host offers candidates; a person picks one for each repo;
- ``none``: nothing this project may bind; guidance says what to do;
- ``error``: the config cannot be read or the host call failed.

``apply_exact`` binds every exact item in one go; ``apply_choices`` binds each queued
item to the candidate picked for it. Both check the session's role before anything
else (a viewer gets ``PermissionDeniedError`` and nothing is sent or written), and
each bind checks it again, with the allowed roots, right before it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tracker_core.errors import BindError, TrackerError
from tracker_core.flows import bind_host, binding
from tracker_core.flows.audit import AuditRow, Location, remote_bind_command
from tracker_core.flows.service import TrackerService
from tracker_core.host.concurrency import bounded_map
from tracker_core.host.wire import Candidate
from tracker_core.remote.urls import RemoteProject

Match = Literal["exact", "choice", "none", "error"]
Progress = Callable[[int, int, "RebindResult"], None]


@dataclass(frozen=True)
class RebindItem:
    """One repo of a plan: how the host answered its resolve."""

    repo: Location
    provider: str
    match: Match
    previous_ref: str | None = None
    binding_ref: str | None = None  # exact: the ref the host holds for the project
    display_label: str | None = None  # exact: its label
    candidates: tuple[Candidate, ...] = ()  # choice: in the host's order
    detail: str = ""  # none / error: why, and what to do

    @property
    def top_candidate(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class RebindPlan:
    items: tuple[RebindItem, ...]

    def _of(self, match: Match) -> list[RebindItem]:
        return [i for i in self.items if i.match == match]

    @property
    def exact(self) -> list[RebindItem]:
        return self._of("exact")

    @property
    def queued(self) -> list[RebindItem]:
        """Items waiting for a person to pick a candidate."""
        return self._of("choice")

    @property
    def unresolved(self) -> list[RebindItem]:
        return self._of("none") + self._of("error")


@dataclass(frozen=True)
class RebindResult:
    repo: Location
    provider: str
    ok: bool
    previous_ref: str | None = None
    binding_ref: str | None = None
    display_label: str | None = None
    error: str | None = None


def _plan_one(service: TrackerService, row: AuditRow) -> RebindItem:
    provider = row.provider or ""
    if isinstance(row.repo, RemoteProject):
        # A remote is re-bound by a pushed branch, one at a time.
        finish = remote_bind_command(row.repo, provider, None)
        return RebindItem(row.repo, provider, "error", row.binding_ref, detail=f"run {finish}")
    try:
        if not provider:
            raise BindError(f"{row.label} names no provider; bind it from the Bind page")
        ctx = binding.prepare(row.repo, provider)
        resolved = service.client.bind_resolve(ctx.provider, ctx.identity)
    except TrackerError as exc:
        return RebindItem(row.repo, provider, "error", row.binding_ref, detail=str(exc))
    if resolved.match_type == "exact":
        return RebindItem(
            row.repo,
            ctx.provider,
            "exact",
            row.binding_ref,
            binding_ref=resolved.binding_ref,
            display_label=resolved.display_label,
        )
    if resolved.candidates:
        return RebindItem(
            row.repo,
            ctx.provider,
            "choice",
            row.binding_ref,
            candidates=tuple(resolved.candidates),
        )
    return RebindItem(
        row.repo,
        ctx.provider,
        "none",
        row.binding_ref,
        detail=bind_host.no_candidates_message(ctx.provider),
    )


def plan_rebind(service: TrackerService, rows: Sequence[AuditRow]) -> RebindPlan:
    """Resolve every row's repo on the host (reads only; bounded concurrency).
    Allowed for any role: a viewer may look at what a re-bind would do."""

    def plan(row: AuditRow) -> RebindItem:
        return _plan_one(service, row)

    outcomes = bounded_map(plan, list(rows), max_workers=service.max_workers)
    items = []
    for row, outcome in zip(rows, outcomes, strict=True):
        if outcome.value is not None:
            items.append(outcome.value)
        else:
            items.append(
                RebindItem(
                    row.repo,
                    row.provider or "",
                    "error",
                    row.binding_ref,
                    detail=str(outcome.error),
                )
            )
    return RebindPlan(tuple(items))


def _folder(item: RebindItem) -> Path:
    if isinstance(item.repo, RemoteProject):
        raise BindError(f"{item.repo.name} is a git remote: {item.detail}")
    return item.repo


def _result(item: RebindItem, outcome: binding.BindOutcome) -> RebindResult:
    if outcome.status != "bound":
        return RebindResult(
            item.repo,
            item.provider,
            False,
            item.previous_ref,
            error="the host no longer has one exact match; pick a candidate instead",
        )
    return RebindResult(
        item.repo,
        item.provider,
        True,
        outcome.previous_ref,
        outcome.binding_ref,
        outcome.display_label,
    )


def _run(
    service: TrackerService,
    work: Sequence[tuple[RebindItem, Callable[[], binding.BindOutcome]]],
    progress: Progress | None,
) -> list[RebindResult]:
    results: list[RebindResult] = []
    for done, (item, bind) in enumerate(work, start=1):
        try:
            result = _result(item, bind())
        except TrackerError as exc:
            result = RebindResult(
                item.repo, item.provider, False, item.previous_ref, error=str(exc)
            )
        results.append(result)
        if progress is not None:
            progress(done, len(work), result)
    return results


def apply_exact(
    service: TrackerService, items: Sequence[RebindItem], *, progress: Progress | None = None
) -> list[RebindResult]:
    """Bind every exact item (others are ignored). The bind re-resolves, so an item
    that stopped being exact since the plan is reported, not guessed."""
    service.policy.require_mutation("re-bind repositories")
    work = [
        (
            item,
            lambda item=item: service.bind(
                _folder(item), item.provider, choose=lambda _cands: None, confirm_rebind=True
            ),
        )
        for item in items
        if item.match == "exact"
    ]
    return _run(service, work, progress)


def apply_choices(
    service: TrackerService,
    choices: Sequence[tuple[RebindItem, Candidate]],
    *,
    progress: Progress | None = None,
) -> list[RebindResult]:
    """Bind each queued item to the candidate picked for it."""
    service.policy.require_mutation("re-bind repositories")
    for item, cand in choices:
        if all(c.candidate_token != cand.candidate_token for c in item.candidates):
            raise BindError(f"{cand.display_label!r} is not a candidate of {item.repo.name}")
    work = [
        (
            item,
            lambda item=item, cand=cand: service.bind_candidate(_folder(item), item.provider, cand),
        )
        for item, cand in choices
    ]
    return _run(service, work, progress)
