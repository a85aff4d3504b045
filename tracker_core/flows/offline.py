"""The audit when the host cannot be reached: every repo from its config alone, no
request made. Repos that name a provider are ``unverified`` with the reason; what
the configs alone settle (unbound, misconfigured, conflicts) keeps its state."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from tracker_core.flows.audit_relations import apply_relations
from tracker_core.flows.audit_rows import AuditReport, FoundRepo, base_row
from tracker_core.local.walk import WalkReport
from tracker_core.providers import PROVIDERS

RETRY = "retry when the host is reachable"


def offline_audit(
    repos: Iterable[FoundRepo],
    reason: str,
    *,
    providers: Sequence[str] | None = None,
    walk: WalkReport | None = None,
) -> AuditReport:
    found = list(repos)
    rows = []
    for local in found:
        row = base_row(local)
        rows.append(
            row if row.state else replace(row, state="unverified", reason=reason, guidance=RETRY)
        )
    return AuditReport(
        apply_relations(rows, found),
        provider_errors={p: reason for p in (providers or PROVIDERS)},
        walk=walk or WalkReport(),
    )
