"""Rendering each command's result: a table or panel for a terminal, or the JSON
that ``--json`` prints. Host text always goes through ``t`` (cleaned, never markup)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from tracker_core.safe_text import clean_text
from tracker_core.tables.palette import (
    REPO_STATE_STYLES,
    RESOURCE_STATE_LABELS,
    RESOURCE_STATE_STYLES,
    RESOURCE_STATES,
)

from .terminal import Listing, emit, note, t, when

if TYPE_CHECKING:
    from tracker_core.config.config_model import TrackerSection
    from tracker_core.flows.audit import AuditReport, UpgradeResult
    from tracker_core.flows.binding import BindOutcome
    from tracker_core.flows.discovery import ProviderInventory
    from tracker_core.flows.status import ProviderInstallation, StatusReport
    from tracker_core.host.wire import Candidate, Resource


# --- discover -----------------------------------------------------------------------


_STATUS_MARKS = {
    s: Text(RESOURCE_STATE_LABELS[s], style=RESOURCE_STATE_STYLES[s]) for s in RESOURCE_STATES
}


def resource_rows(inventories: Iterable[ProviderInventory]) -> list[tuple[Resource, str]]:
    """Each resource with its binding status (``bound``, ``disabled`` or ``available``)."""
    return [(r, inv.binding_status(r)) for inv in inventories for r in inv.resources]


def discover_json(resources: Sequence[tuple[Resource, str]]) -> list[dict[str, Any]]:
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
            "is_bound": status == "bound",
            "binding_status": status,
        }
        for i, (r, status) in enumerate(resources, start=1)
    ]


def discover_table(resources: Sequence[tuple[Resource, str]]) -> Listing:
    rows = [
        [
            Text(str(i)),
            t(r.display_label),
            t(r.provider),
            t(r.provider_context.get("workspace_name", "")),
            _STATUS_MARKS[status].copy(),
        ]
        for i, (r, status) in enumerate(resources, start=1)
    ]
    return Listing(
        "",
        ("#", "Resource", "Provider", "Workspace", "Status"),
        rows,
        lead=(0, 1, 4),
        right=(0,),
        row_styles=["bold" if status == "bound" else None for _, status in resources],
        plain=True,
    )


# --- bind ---------------------------------------------------------------------------


def candidate_lines(candidates: Sequence[Candidate]) -> list[Text]:
    return [
        Text(f"{c.sort_position + 1}. ")
        + t(c.display_label)
        + Text(f" ({clean_text(c.confidence)}) — ")
        + t(c.match_reason)
        for c in candidates
    ]


def binding_label(section: TrackerSection) -> Text:
    """``provider: label (ref)`` of a repo's current binding, for warnings."""
    label = section.display_label or section.binding_ref or section.project_slug
    text = t(section.provider) + Text(": ") + t(label)
    if section.binding_ref and section.display_label:
        text += Text(" (") + t(section.binding_ref) + Text(")")
    return text


def bind_success(outcome: BindOutcome) -> None:
    unchanged = outcome.previous_ref is not None and outcome.previous_ref == outcome.binding_ref
    heading = "Already bound " if unchanged else "Bound "
    emit(
        Text(heading, style="bold green")
        + t(outcome.repo.name)
        + Text(" to ")
        + t(outcome.provider)
    )
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column()
    grid.add_row("provider", t(outcome.provider))
    grid.add_row("binding_ref", t(outcome.binding_ref))
    grid.add_row("display_label", t(outcome.display_label))
    workspace = outcome.provider_context.get("workspace_name")
    if workspace:
        grid.add_row("workspace", t(workspace))
    if outcome.previous_ref and not unchanged:
        grid.add_row("replaced", t(outcome.previous_ref))
    emit(Padding(grid, (0, 0, 0, 2)))
    if unchanged:
        note(
            "The host keeps this project on the same resource (its label is refreshed in "
            "the config). To move it to another resource, pick that resource on the "
            "dashboard's Bind page (sk-tracker dashboard)."
        )


# --- status -------------------------------------------------------------------------


def status_json(report: StatusReport) -> dict[str, Any]:
    data: dict[str, Any] = report.status.model_dump(mode="json")
    data["repo"] = str(report.repo)
    verdict = report.verdict
    if verdict is not None:
        data["name"] = verdict.label
        data["state"] = verdict.state
        data["reason"] = verdict.reason
        data["guidance"] = verdict.guidance
        data["worktree_of"] = verdict.worktree_of
        data["branch"] = verdict.branch
    data["routed_by"] = report.routed_by
    data["upgrade"] = report.upgrade
    if report.upgrade == "pending":
        data["pending_binding_ref"] = report.upgrade_ref
    return data


class _Boxed:
    """A panel on a terminal; a title line and the body when piped."""

    def __init__(self, title: str, body: RenderableType) -> None:
        self.title = title
        self.body = body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if console.is_terminal:
            yield Panel(self.body, title=self.title, title_align="left", expand=False)
        else:
            yield Text(self.title, style="bold")
            yield Padding(self.body, (0, 0, 0, 2))


def status_panel(report: StatusReport) -> RenderableType:
    s = report.status
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Repo", t(report.repo))
    verdict = report.verdict
    if verdict is not None:
        style = REPO_STATE_STYLES.get(verdict.kind, "")
        grid.add_row("State", t(verdict.state, style))
        if verdict.worktree_of or verdict.reason:
            grid.add_row("Why", t(verdict.reason))
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
    return _Boxed("Project binding", grid)


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


def installation_view(items: Sequence[ProviderInstallation]) -> RenderableType:
    rows = []
    for item in items:
        s = item.status
        rows.append(
            [
                t(item.provider),
                Text("yes", style="green") if item.connected else Text("no", style="red"),
                Text(str(s.resource_count) if s and s.resource_count is not None else ""),
                Text(str(s.binding_count) if s else ""),
                t(item.error or ""),
            ]
        )
    summary = Listing(
        "Installation status",
        ("Provider", "Connected", "Resources", "Bindings", "Note"),
        rows,
        lead=(0, 1),
        right=(2, 3),
        wrap=(4,),
    )
    bindings = [
        (item.provider, b)
        for item in items
        if item.status is not None
        for b in item.status.bindings
    ]
    table = Listing(
        "Bindings",
        ("Project", "Provider", "Resource", "Workspace", "Status", "Bound at", "Binding ref"),
        [
            [
                t(b.project_slug or b.project_uuid or "?"),
                t(provider),
                t(b.display_label),
                t(b.provider_context.get("workspace_name", "")),
                t(b.status, "green" if b.status == "active" else "yellow"),
                Text(when(b.bound_at)),
                t(b.binding_ref),
            ]
            for provider, b in bindings
        ],
        lead=(0, 1, 4),
    )
    parts: list[RenderableType] = [summary, Text("")]
    parts.append(table if bindings else Text("No bindings on the host yet."))
    return Group(*parts)


# --- audit --------------------------------------------------------------------------


def audit_json(report: AuditReport, upgrades: Sequence[UpgradeResult] = ()) -> dict[str, Any]:
    return {
        "repos": [
            {
                "name": r.label,
                "repo": str(r.repo),
                "provider": r.provider,
                "workspace": r.provider_context.get("workspace_name"),
                "binding_ref": r.binding_ref,
                "project_slug": r.project_slug,
                "display_label": r.display_label,
                "state": r.state,
                "reason": r.reason,
                "guidance": r.guidance,
                "pending_binding_ref": r.pending_ref,
                "needs_action": r.needs_action,
                "worktree_of": r.worktree_of,
                "branch": r.branch,
                "also_at": list(r.also_at),
                "conflicts_with": list(r.conflicts_with),
            }
            for r in report.rows
        ],
        "skipped": [{"path": str(s.path), "reason": s.reason} for s in report.walk.skipped],
        "git_repos_without_project": [str(p) for p in report.walk.git_repos],
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
            {
                "name": u.name or u.repo.name,
                "repo": str(u.repo),
                "binding_ref": u.binding_ref,
                "ok": u.ok,
                "error": u.error,
            }
            for u in upgrades
        ],
        "counts": report.counts(),
        "needs_action": report.needs_action,
    }


def audit_table(report: AuditReport) -> Listing:
    rows = [
        [
            t(r.label),
            t(r.provider or ""),
            t(r.binding_ref or ""),
            t(r.project_slug or ""),
            t(r.display_label or ""),
            t(r.state, REPO_STATE_STYLES.get(r.kind, "")),
            t(f"{r.reason}; {r.guidance}" if r.guidance else r.reason),
        ]
        for r in report.rows
    ]
    return Listing(
        "Repositories",
        ("Repo", "Provider", "Binding ref", "Project slug", "Resource", "State", "Guidance"),
        rows,
        lead=(0, 5),
        wrap=(6,),
    )


def audit_footer(report: AuditReport) -> list[str]:
    """The lines under the audit table: counts, then what the walk left out."""
    counts = report.counts()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    lines = [summary or "no repos found: no .kittify/config.yaml under the given folders"]
    worktrees = sum(1 for r in report.rows if r.worktree_of)
    if worktrees:
        lines.append(f"{worktrees} of these rows are worktrees sharing their main checkout's state")
    return lines + report.walk.notes()


def unclaimed_table(report: AuditReport) -> Listing:
    return Listing(
        "Not found locally (host mappings no audited repo claims)",
        ("Provider", "Resource", "Project slug", "Status", "Binding ref"),
        [
            [
                t(u.provider),
                t(u.mapping.display_label),
                t(u.mapping.project_slug or ""),
                t(u.mapping.status),
                t(u.mapping.binding_ref),
            ]
            for u in report.unclaimed
        ],
        lead=(0, 1),
    )
