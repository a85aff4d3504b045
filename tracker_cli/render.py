"""Rich rendering of host data. Host text is untrusted: it is cleaned of control
characters and escape sequences and always wrapped in ``Text`` (never parsed as
markup)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tracker_core.safe_text import clean_text

if TYPE_CHECKING:
    from tracker_core.audit import AuditReport, UpgradeResult
    from tracker_core.binding import BindOutcome
    from tracker_core.discovery import ProviderInventory
    from tracker_core.status import ProviderInstallation, StatusReport
    from tracker_core.wire import Candidate, Resource


def _console(stream: Any) -> Console:
    wide = None if stream.isatty() else 200  # pipes get full lines, not wrapped cells
    return Console(file=stream, width=wide, emoji=False, highlight=False, soft_wrap=False)


out = _console(sys.stdout)
err = _console(sys.stderr)


def refresh_consoles() -> None:
    """Re-bind to the current stdout/stderr (test runners swap them)."""
    global out, err
    out = _console(sys.stdout)
    err = _console(sys.stderr)


def t(value: object) -> Text:
    return Text(clean_text(value) if value is not None else "")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def warn(message: str) -> None:
    err.print(Text("warning: ", style="yellow") + t(message))


# --- discover -----------------------------------------------------------------------


def resource_rows(inventories: Iterable[ProviderInventory]) -> list[Resource]:
    return [r for inv in inventories for r in inv.resources]


def discover_json(resources: Sequence[Resource]) -> list[dict[str, Any]]:
    return [
        {
            "number": i,
            "candidate_token": r.candidate_token,
            "display_label": r.display_label,
            "provider": r.provider,
            "provider_context": dict(r.provider_context),
            "binding_ref": r.binding_ref,
            "bound_project_slug": r.bound_project_slug,
            "bound_at": r.bound_at.isoformat() if r.bound_at else None,
            "is_bound": r.is_bound,
        }
        for i, r in enumerate(resources, start=1)
    ]


def discover_table(resources: Sequence[Resource]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for col, just in (
        ("#", "right"),
        ("Resource", "left"),
        ("Provider", "left"),
        ("Workspace", "left"),
        ("Status", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for i, r in enumerate(resources, start=1):
        status = (
            Text("● bound", style="bold green") if r.is_bound else Text("○ available", style="dim")
        )
        table.add_row(
            str(i),
            t(r.display_label),
            t(r.provider),
            t(r.provider_context.get("workspace_name", "")),
            status,
            style="bold" if r.is_bound else None,
        )
    return table


# --- bind ---------------------------------------------------------------------------


def candidate_lines(candidates: Sequence[Candidate]) -> list[Text]:
    return [
        Text(f"{c.sort_position + 1}. ")
        + t(c.display_label)
        + Text(f" ({c.confidence}) — ")
        + t(c.match_reason)
        for c in candidates
    ]


def bind_success(outcome: BindOutcome) -> None:
    out.print(
        Text("Bound ", style="bold green") + t(outcome.repo.name) + Text(f" to {outcome.provider}")
    )
    out.print(Text("  binding_ref:   ") + t(outcome.binding_ref))
    out.print(Text("  display_label: ") + t(outcome.display_label))
    if outcome.previous_ref and outcome.previous_ref != outcome.binding_ref:
        out.print(Text("  replaced:      ") + t(outcome.previous_ref))


# --- status -------------------------------------------------------------------------


def status_json(report: StatusReport) -> dict[str, Any]:
    data: dict[str, Any] = report.status.model_dump(mode="json")
    data["repo"] = str(report.repo)
    data["routed_by"] = report.routed_by
    data["upgrade"] = report.upgrade
    if report.upgrade == "pending":
        data["pending_binding_ref"] = report.upgrade_ref
    return data


def status_panel(report: StatusReport) -> Panel:
    s = report.status
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Repo", t(report.repo))
    grid.add_row("Provider", t(s.provider))
    grid.add_row("Resource", t(s.display_label or "(unknown)"))
    grid.add_row("Workspace", t(s.provider_context.get("workspace_name", "")))
    grid.add_row("Binding ref", t(s.binding_ref or "(none)"))
    grid.add_row("Project slug", t(s.project_slug or ""))
    grid.add_row("Routed by", t(report.routed_by))
    grid.add_row(
        "Connected", Text("yes", style="green") if s.connected else Text("no", style="red")
    )
    grid.add_row("Sync state", t(s.sync_state or ""))
    if report.upgrade == "pending":
        grid.add_row(
            "Upgrade",
            t(
                f"pending: the host knows {report.upgrade_ref}; "
                "apply with sk-tracker audit --apply-upgrades"
            ),
        )
    return Panel(grid, title="Project binding", expand=False)


def installation_json(items: Sequence[ProviderInstallation]) -> list[dict[str, Any]]:
    result = []
    for item in items:
        entry: dict[str, Any] = {
            "provider": item.provider,
            "connected": item.connected,
            "error": item.error,
        }
        if item.status is not None:
            entry.update(item.status.model_dump(mode="json"))
        result.append(entry)
    return result


def installation_view(items: Sequence[ProviderInstallation]) -> Table:
    summary = Table(title="Installation status", title_justify="left", header_style="bold")
    for col in ("Provider", "Connected", "Resources", "Bindings", "Note"):
        summary.add_column(col)
    for item in items:
        s = item.status
        summary.add_row(
            t(item.provider),
            Text("yes", style="green") if item.connected else Text("no", style="red"),
            str(s.resource_count) if s else "",
            str(len(s.bindings)) if s else "",
            t(item.error or ""),
        )
    return summary


def bindings_table(items: Sequence[ProviderInstallation]) -> Table:
    table = Table(title="Bindings", title_justify="left", header_style="bold")
    for col in (
        "Project",
        "Provider",
        "Resource",
        "Workspace",
        "Status",
        "Bound at",
        "Binding ref",
    ):
        table.add_column(col)
    for item in items:
        if item.status is None:
            continue
        for b in item.status.bindings:
            table.add_row(
                t(b.project_slug or b.project_uuid or "?"),
                t(item.provider),
                t(b.display_label),
                t(b.provider_context.get("workspace_name", "")),
                Text(b.status, style="green" if b.status == "active" else "yellow"),
                when(b.bound_at),
                t(b.binding_ref),
            )
    return table


# --- audit --------------------------------------------------------------------------

STATE_STYLE = {
    "bound": "green",
    "legacy": "yellow",
    "stale": "red",
    "unbound": "dim",
    "misconfigured": "red",
    "conflict": "magenta",
    "unverified": "yellow",
}


def audit_json(report: AuditReport, upgrades: Sequence[UpgradeResult] = ()) -> dict[str, Any]:
    return {
        "repos": [
            {
                "repo": str(r.repo),
                "provider": r.provider,
                "binding_ref": r.binding_ref,
                "project_slug": r.project_slug,
                "display_label": r.display_label,
                "state": r.state,
                "reason": r.reason,
                "guidance": r.guidance,
                "pending_binding_ref": r.pending_ref,
            }
            for r in report.rows
        ],
        "not_found_locally": [
            {
                "provider": u.provider,
                "binding_ref": u.mapping.binding_ref,
                "display_label": u.mapping.display_label,
                "project_slug": u.mapping.project_slug,
                "status": u.mapping.status,
            }
            for u in report.unclaimed
        ],
        "provider_errors": report.provider_errors,
        "upgrades": [
            {"repo": str(u.repo), "binding_ref": u.binding_ref, "ok": u.ok, "error": u.error}
            for u in upgrades
        ],
        "needs_action": report.needs_action,
    }


def audit_table(report: AuditReport) -> Table:
    table = Table(title="Repositories", title_justify="left", header_style="bold")
    for col in ("Repo", "Provider", "Binding ref", "Project slug", "Resource", "State", "Guidance"):
        table.add_column(col, overflow="fold")
    for r in report.rows:
        table.add_row(
            t(r.repo.name),
            t(r.provider or ""),
            t(r.binding_ref or ""),
            t(r.project_slug or ""),
            t(r.display_label or ""),
            Text(clean_text(r.state), style=STATE_STYLE.get(r.kind, "")),
            t(f"{r.reason}; {r.guidance}" if r.guidance else r.reason),
        )
    return table


def unclaimed_table(report: AuditReport) -> Table:
    table = Table(
        title="Not found locally (host mappings no audited repo claims)",
        title_justify="left",
        header_style="bold",
    )
    for col in ("Provider", "Resource", "Project slug", "Status", "Binding ref"):
        table.add_column(col)
    for u in report.unclaimed:
        m = u.mapping
        table.add_row(
            t(u.provider),
            t(m.display_label),
            t(m.project_slug or ""),
            t(m.status),
            t(m.binding_ref),
        )
    return table
