"""Prove an edit of the config text before it is written: read back by both readers,
it must hold exactly the intended ``tracker:`` (and new ``project:``) values, with
every other section, as spec-kitty's reader sees it, unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tracker_core.config.config_model import TrackerSection
from tracker_core.config.identity import ProjectIdentity
from tracker_core.config.reader import Document, parse_document, ruamel_load
from tracker_core.config.yaml_text import Value
from tracker_core.errors import ConfigError


def _plain(value: Any) -> Any:
    """ruamel.yaml's values as comparable plain data (NaN-safe, comment-free)."""
    if isinstance(value, Mapping):
        return {_frozen(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return ("float", repr(float(value)))
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    tag = getattr(value, "tag", None)
    return ("tagged", str(tag), _plain(getattr(value, "value", repr(value))))


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((repr(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _expected(old: Document, changes: dict[str, Value]) -> TrackerSection | None:
    if not changes:
        return old.config.tracker
    base = old.config.tracker or TrackerSection()
    updates: dict[str, Any] = dict(changes)
    if "provider_context" in updates:  # null reads back as {}
        updates["provider_context"] = dict(updates["provider_context"] or {})
    return replace(base, **updates)


def verify_edit(
    old: Document,
    new_text: str,
    changes: dict[str, Value],
    project: dict[str, Value] | None,
) -> None:
    """Refuse an edit that would not read back exactly as intended."""
    path = old.config.path
    failed = ConfigError(
        path, "the edit did not read back as intended; nothing was written", code="write_failed"
    )
    try:
        new = parse_document(old.config.repo, new_text.encode("utf-8"))
        before = _plain(ruamel_load(path, old.text) or {})
        after = _plain(ruamel_load(path, new_text) or {})
    except ConfigError:
        raise failed from None
    if new.config.tracker != _expected(old, changes):
        raise failed
    expected_project = old.config.project
    if project is not None:
        # A replaced identity keeps the keys the new one does not set.
        kept = old.config.project
        build_id, repo_slug = project.get("build_id"), project.get("repo_slug")
        expected_project = ProjectIdentity(
            uuid=str(project["uuid"]),
            slug=str(project["slug"]),
            node_id=str(project["node_id"]),
            build_id=str(build_id) if build_id is not None else (kept.build_id if kept else None),
            repo_slug=str(repo_slug)
            if repo_slug is not None
            else (kept.repo_slug if kept else None),
        )
    if new.config.project != expected_project:
        raise failed
    # Every other section, as spec-kitty's reader sees it, is untouched.
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise failed
    added = [k for k in after if k not in before]
    if list(after)[: len(before)] != list(before) or not set(added) <= {"project", "tracker"}:
        raise failed
    for key, value in before.items():
        if key == "tracker" or (key == "project" and project is not None):
            continue
        if after[key] != value:
            raise failed
    old_tracker = before.get("tracker") or {}
    new_tracker = after.get("tracker") or {}
    expected_tracker = {**old_tracker, **{k: _plain(v) for k, v in changes.items()}}
    if new_tracker != expected_tracker:
        raise failed
    written = after.get("project")
    if project is not None and (
        not isinstance(written, dict) or {k: written.get(k) for k in project} != project
    ):
        raise failed
