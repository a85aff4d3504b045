"""Rendering of the store's contents: the activity log and the audit history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from .render import Listing, t

if TYPE_CHECKING:
    from tracker_core.store.records import ActivityEntry

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
