"""Rendering of the store's contents: the activity log and the audit history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from tracker_core.tables.palette import REPO_STATE_STYLES, REPO_STATES

from .terminal import Listing, t, when

if TYPE_CHECKING:
    from tracker_core.flows.history import Change
    from tracker_core.store.records import ActivityEntry, RepoState, Snapshot

RESULT_STYLE = {"ok": "green", "failed": "red", "declined": "yellow"}


def activity_json(entries: Sequence[ActivityEntry]) -> list[dict[str, Any]]:
    return [asdict(e) for e in entries]


def _refs(old: str | None, new: str | None) -> str:
    if old and new and old != new:
        return f"{old} → {new}"
    return new or old or ""


def activity_table(entries: Sequence[ActivityEntry]) -> Listing:
    return Listing(
        "Activity (newest first)",
        ("At", "Who", "Action", "Result", "Repo", "Provider", "Binding ref", "Detail"),
        [
            [
                t(e.at),
                t(e.actor),
                t(e.action),
                t(e.result, RESULT_STYLE.get(e.result, "")),
                t(e.repo),
                t(e.provider or ""),
                t(_refs(e.old_ref, e.new_ref)),
                t(e.detail),
            ]
            for e in entries
        ],
        lead=(0, 2, 4),
        wrap=(7,),
    )


REPO_KINDS = REPO_STATES


def _counts(snap: Snapshot, source: str, categories: Sequence[str]) -> dict[str, int]:
    return {c: snap.count(source, c) for c in categories}


def history_json(snaps: Sequence[Snapshot]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "taken_at": s.taken_at.isoformat(timespec="seconds"),
            "actor": s.actor,
            "source": s.source,
            "host": s.scope.host,
            "team": s.scope.team,
            "roots": list(s.scope.roots),
            "repos": s.repos,
            "states": _counts(s, "repos", REPO_KINDS),
            "resources": _counts(s, "resources", ("bound", "available")),
        }
        for s in snaps
    ]


def history_table(snaps: Sequence[Snapshot]) -> Listing:
    heads = ("Taken", "Who", "Source", "Repos", *(k.capitalize() for k in REPO_KINDS))
    rows = [
        [
            t(when(s.taken_at)),
            t(s.actor),
            t(s.source),
            t(s.repos),
            *(
                t(n, REPO_STATE_STYLES.get(k, "") if n else "")
                for k, n in _counts(s, "repos", REPO_KINDS).items()
            ),
        ]
        for s in snaps
    ]
    return Listing("Recorded audits", heads, rows, lead=(0, 1), right=range(3, len(heads)))


def _side(state: RepoState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "state": state.state,
        "binding_ref": state.binding_ref,
        "display_label": state.display_label,
    }


def changes_json(found: Sequence[Change]) -> list[dict[str, Any]]:
    return [
        {
            "kind": c.kind,
            "repo": c.repo,
            "at": c.at.isoformat(timespec="seconds"),
            "provider": c.provider,
            "workspace": c.workspace,
            "before": _side(c.before),
            "after": _side(c.after),
        }
        for c in found
    ]


def _describe(state: RepoState | None) -> str:
    if state is None:
        return "—"
    return f"{state.state} ({state.binding_ref})" if state.binding_ref else state.state


CHANGE_STYLE = {"stale": "red", "fixed": "green", "gone": "yellow", "appeared": "cyan"}


def changes_table(found: Sequence[Change]) -> Listing:
    return Listing(
        "Changes",
        ("When", "Change", "Repo", "Provider", "Before", "After"),
        [
            [
                t(when(c.at)),
                t(c.kind, CHANGE_STYLE.get(c.kind, "")),
                t(c.repo),
                t(c.provider or ""),
                t(_describe(c.before)),
                t(_describe(c.after)),
            ]
            for c in found
        ],
        lead=(1, 2),
    )
