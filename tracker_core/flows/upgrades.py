"""Apply the ``binding_ref`` upgrades an audit found pending (legacy slug-only repos
the host can already route by ref), and the report as it stands afterwards."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from tracker_core.access.policy import ADMIN_ANYWHERE, AccessPolicy
from tracker_core.config.config_io import load_config, write_tracker
from tracker_core.errors import StoreError, TrackerError
from tracker_core.flows.activity import ActivityLog
from tracker_core.flows.audit_rows import AuditReport, UpgradeResult, remote_bind_command
from tracker_core.remote.urls import RemoteProject

log = logging.getLogger("tracker_core.flows.upgrades")


def upgrade_changes(
    status_ref: str, label: str | None, context: dict[str, str]
) -> dict[str, object]:
    """The tracker keys an upgrade writes: the ref plus the display metadata to cache."""
    changes: dict[str, object] = {"binding_ref": status_ref}
    if label is not None:
        changes["display_label"] = label
    if context:
        changes["provider_context"] = dict(context)
    return changes


def apply_upgrades(
    report: AuditReport,
    *,
    policy: AccessPolicy = ADMIN_ANYWHERE,
    activity: ActivityLog | None = None,
) -> list[UpgradeResult]:
    """Write the pending ``binding_ref`` into each legacy repo the host can upgrade.
    Each write re-reads the file and is skipped if it is no longer slug-only."""
    results: list[UpgradeResult] = []
    for row in report.pending_upgrades:
        assert row.pending_ref is not None
        if isinstance(row.repo, RemoteProject):
            finish = remote_bind_command(row.repo, row.provider, row.pending_ref)
            results.append(UpgradeResult(row.repo, None, False, f"a git remote: run {finish}"))
            continue
        try:
            root = policy.require_writable(row.repo)
            config = load_config(row.repo)
            tracker = config.tracker
            if tracker is None or tracker.binding_ref or tracker.provider != row.provider:
                results.append(
                    UpgradeResult(
                        row.repo, None, False, "config changed since the audit", row.label
                    )
                )
                continue
            changes = upgrade_changes(row.pending_ref, row.display_label, row.provider_context)
            write_tracker(config, changes, root=root)
            results.append(UpgradeResult(row.repo, row.pending_ref, True, name=row.label))
            outcome = "ok"
            detail = ""
        except (TrackerError, OSError) as exc:
            results.append(UpgradeResult(row.repo, row.pending_ref, False, str(exc), row.label))
            outcome, detail = "failed", str(exc)
        if activity is not None:
            try:
                activity.record(
                    actor=policy.actor,
                    action="upgrade",
                    repo=row.repo,
                    provider=row.provider,
                    old_ref=None,
                    new_ref=row.pending_ref,
                    result=outcome,
                    detail=detail,
                )
            except (OSError, StoreError) as exc:
                log.warning("activity log not written: %s", exc)
    return results


def after_upgrades(report: AuditReport, results: Sequence[UpgradeResult]) -> AuditReport:
    """The report as it stands once ``results`` were applied: each repo upgraded now
    routes by the ref it was given, which the host listed as active, so it is bound."""
    done = {r.repo for r in results if r.ok}
    if not done:
        return report
    rows = [
        replace(
            r,
            state="bound",
            binding_ref=r.pending_ref,
            pending_ref=None,
            reason="upgraded to binding_ref",
            guidance="",
        )
        if r.repo in done
        else r
        for r in report.rows
    ]
    return replace(report, rows=rows)
