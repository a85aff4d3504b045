"""Write a repo's `.kittify/config.yaml` (DESIGN §3): only the ``tracker:`` keys (and a
new ``project:``) change, every other byte stays.

The text is patched (:mod:`tracker_core.config.yaml_text`) and the edit proven before
it is written (:mod:`tracker_core.config.readback`). The write holds a cross-process
lock, reads the file again under it, refuses symlinks and replaces the file
atomically (:mod:`tracker_core.config.atomic_file`). :func:`write_tracker` refuses
when the file changed since it was read (``ConfigConflictError``, never a lost
update); :func:`update_tracker` instead re-reads and re-applies its change under the
lock until it is written, for a change that must land whatever else the file says.

Given an allowed ``root``, the folders from the root down to ``.kittify`` are opened
one by one without following links, so a folder swapped for a symlink after the
caller checked the path cannot carry the write outside the root
(tests/core/config/test_config_within_root.py races such swaps against writes).
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tracker_core.config import atomic_file
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.config.file_lock import config_lock
from tracker_core.config.identity import ProjectIdentity
from tracker_core.config.readback import verify_edit
from tracker_core.config.reader import (
    BOM,
    MAX_CONFIG_BYTES,
    PROJECT_KEYS,
    TRACKER_KEYS,
    Document,
    parse_document,
    read_following_links,
    ruamel_load,
)
from tracker_core.config.sections import entries, normal_provider
from tracker_core.config.yaml_nodes import MappingNode, to_python
from tracker_core.config.yaml_text import LayoutError, SectionUpdate, Value, apply_updates
from tracker_core.errors import ConfigConflictError, ConfigError, PathNotAllowedError, UsageError

# Re-reads under the lock before giving up: only a writer that ignores the lock (an
# editor, git) can change the file between our read and our replace.
MAX_REAPPLY = 50


@dataclass(frozen=True)
class NewIdentity:
    """A project identity that replaces the one on file (uuid, slug, node_id; keys it
    does not set stay): a repo holding a copy of another project's .kittify/."""

    identity: ProjectIdentity


ProjectChange = ProjectIdentity | NewIdentity | None
Plan = Callable[[TrackerProjectConfig], tuple[Mapping[str, Any], ProjectChange]]


def _identity(project: ProjectChange) -> ProjectIdentity | None:
    return project.identity if isinstance(project, NewIdentity) else project


def _check_text(name: str, value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{name} is not valid Unicode text") from None
    return value


def _normalize_changes(changes: Mapping[str, Any]) -> dict[str, Value]:
    result: dict[str, Value] = {}
    for key, value in changes.items():
        if key not in TRACKER_KEYS:
            raise UsageError(
                f"{key!r} is not a tracker key this tool writes; expected one of: "
                + ", ".join(TRACKER_KEYS)
            )
        name = f"tracker.{key}"
        if value is None:
            result[key] = None
        elif key == "provider_context":
            if not isinstance(value, Mapping):
                raise UsageError(f"{name} must be a mapping of strings")
            context: dict[str, str] = {}
            for k, v in value.items():
                if not isinstance(k, str) or not isinstance(v, str):
                    raise UsageError(f"{name} must map strings to strings")
                context[_check_text(name, k)] = _check_text(name, v)
            result[key] = context
        elif not isinstance(value, str):
            raise UsageError(f"{name} must be a string or None, not {type(value).__name__}")
        elif key == "provider":
            provider = normal_provider(_check_text(name, value))
            if provider is None:
                raise UsageError("tracker.provider must not be empty")
            result[key] = provider
        else:
            result[key] = _check_text(name, value)
    return result


def _project_values(project: ProjectIdentity) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for key in PROJECT_KEYS:
        value = getattr(project, key)
        if value is None and key in ("build_id", "repo_slug"):
            continue
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"project.{key} must be a non-empty string")
        values[key] = _check_text(f"project.{key}", value)
    return values


def _same(key: str, old: Any, new: Value) -> bool:
    if key == "provider":
        return isinstance(old, str | None) and normal_provider(old) == new
    if key == "provider_context":
        return isinstance(new, Mapping | None) and (old or {}) == dict(new or {})
    return type(old) is type(new) and old == new


def _current(config: TrackerProjectConfig) -> Document | None:
    if not config.exists:
        return None
    data = config.raw
    if data is None:
        data = read_following_links(config.path)
        if data is None:
            raise ConfigConflictError(config.path)
    return parse_document(config.repo, data, symlinked=config.symlinked)


def _render(
    config: TrackerProjectConfig,
    current: Document | None,
    changes: dict[str, Value],
    project: ProjectChange,
) -> tuple[str, str]:
    """(old text, new text) for ``changes``, both with the file's byte-order mark."""
    if current is None:
        current = Document(
            replace(config, exists=False, project=None, tracker=None), "", False, None
        )
    root = current.root
    tracker_node = root.get("tracker") if root is not None else None
    present: dict[str, Any] = {}
    if tracker_node is not None and isinstance(tracker_node[1], MappingNode):
        present = {k: to_python(v) for k, v in entries(tracker_node[1]).items()}
    effective = {
        key: value
        for key, value in changes.items()
        if not (key in present and _same(key, present[key], value))
    }
    project_values = None
    identity, on_file = _identity(project), current.config.project
    replacing = isinstance(project, NewIdentity) and on_file != identity
    if identity is not None and (on_file is None or replacing):
        project_values = _project_values(identity)
    updates = [SectionUpdate("tracker", effective, TRACKER_KEYS)]
    if project_values is not None:
        only_if_missing = on_file is None
        updates.insert(0, SectionUpdate("project", project_values, PROJECT_KEYS, only_if_missing))
    path = config.path
    try:
        new_text = apply_updates(current.text, root, updates)
    except LayoutError as exc:
        raise ConfigError(path, f"cannot be edited safely: {exc}", code="unsupported") from None
    if new_text != current.text:
        verify_edit(current, new_text, effective, project_values)
    prefix = BOM if current.bom else ""
    return prefix + current.text, prefix + new_text


def render_tracker_update(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectChange = None,
) -> tuple[str, str]:
    """The file's text before and after writing ``changes``, without writing.

    ``changes`` maps keys of :data:`TRACKER_KEYS` to new values (``None`` writes
    ``null``; keys not given stay as they are). ``project`` is written as a
    ``project:`` section only when the file has none; a ``NewIdentity`` replaces
    the file's identity."""
    normalized = _normalize_changes(changes)
    return _render(config, _current(config), normalized, project)


def config_diff(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectChange = None,
) -> str:
    """A unified diff of what :func:`write_tracker` would change ("" for nothing)."""
    old, new = render_tracker_update(config, changes, project=project)
    if old == new:
        return ""
    name = ".kittify/config.yaml"
    lines = difflib.unified_diff(
        old.lstrip(BOM).splitlines(),
        new.lstrip(BOM).splitlines(),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
        lineterm="",
    )
    return "\n".join(lines) + "\n"


# --- writing -------------------------------------------------------------------------


def _refuse_symlink(path: Path, what: Path) -> PathNotAllowedError:
    return PathNotAllowedError(
        f"{path}: not written because {what} is a symlink (write to the real file instead)"
    )


def _open_folder(path: Path, root: Path | None) -> int:
    folder = path.parent
    try:
        if root is None:
            return atomic_file.open_folder(folder, create=True)
        try:
            relative = folder.resolve().relative_to(root)
        except ValueError:
            raise PathNotAllowedError(f"{path}: not written because it is outside {root}") from None
        return atomic_file.open_beneath(root, relative, create=True)
    except atomic_file.SymlinkError as exc:
        raise _refuse_symlink(path, Path(exc.filename or folder)) from None
    except FileNotFoundError:
        raise ConfigError(
            path, f"the repo folder {folder.parent} does not exist", code="unreadable"
        ) from None
    except OSError as exc:
        raise ConfigError(
            path, f"cannot open {folder}: {exc.strerror or exc}", code="unreadable"
        ) from None


def _read_locked(path: Path, folder_fd: int) -> tuple[bytes, os.stat_result] | None:
    try:
        return atomic_file.read_in(folder_fd, path.name, MAX_CONFIG_BYTES)
    except atomic_file.SymlinkError:
        raise _refuse_symlink(path, path) from None
    except atomic_file.NotRegularFileError:
        raise ConfigError(path, "not a regular file", code="unreadable") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from None


def _replace(path: Path, folder_fd: int, data: bytes, like: os.stat_result | None) -> None:
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            path, "the result would be larger than the size limit; not written", code="too_large"
        )
    try:
        atomic_file.remove_stale_temps(folder_fd, path.name)
        atomic_file.replace_in(folder_fd, path.name, data, like)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "no space left on the device"
        raise ConfigError(
            path, f"cannot write: {reason}; the file was not changed", code="write_failed"
        ) from None


def _as_read(config: TrackerProjectConfig, data: bytes | None) -> Document | None:
    if data is None:
        return None
    document = parse_document(config.repo, data)
    ruamel_load(config.path, document.text)  # spec-kitty must read what we edit
    return document


Step = tuple[Document | None, dict[str, Value], ProjectChange]


def _write(
    config: TrackerProjectConfig,
    plan: Callable[[bytes | None], Step],
    *,
    root: Path | None,
    lock_timeout: float,
) -> TrackerProjectConfig:
    """Under the lock: read the file, ``plan`` the change on what it holds now, write
    it unless the file changed meanwhile, else read again."""
    path = config.path
    if config.symlinked:
        folder = path.parent
        raise _refuse_symlink(path, folder if folder.is_symlink() else path)
    with config_lock(path, lock_timeout):
        folder_fd = _open_folder(path, root)
        try:
            for _ in range(MAX_REAPPLY):
                found = _read_locked(path, folder_fd)
                data, info = found if found is not None else (None, None)
                current, changes, project = plan(data)
                old_text, new_text = _render(config, current, changes, project)
                if new_text == old_text:
                    return current.config if current is not None else config
                again = _read_locked(path, folder_fd)
                if (again[0] if again is not None else None) != data:
                    continue  # replaced by a writer that does not take the lock
                new_data = new_text.encode("utf-8")
                _replace(path, folder_fd, new_data, info)
                return parse_document(config.repo, new_data).config
        finally:
            os.close(folder_fd)
    raise ConfigConflictError(path)


def write_tracker(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectIdentity | None = None,
    lock_timeout: float = 30.0,
    root: Path | None = None,
) -> TrackerProjectConfig:
    """Write ``changes`` (see :func:`render_tracker_update`) and return the config as
    written. Raises ``ConfigConflictError`` when the file is no longer the one
    ``config`` was read from, ``PathNotAllowedError`` for symlinks (and, with
    ``root``, a path that leads out of it), ``ConfigError`` when the file cannot be
    edited safely; in every such case nothing is written."""
    normalized = _normalize_changes(changes)
    if project is not None:
        _project_values(project)

    def unchanged(data: bytes | None) -> Step:
        if not config.exists:
            same = data is None
        else:
            same = data is not None and hashlib.sha256(data).hexdigest() == config.fingerprint
        if not same:
            raise ConfigConflictError(config.path)
        current = parse_document(config.repo, data) if data is not None else None
        return current, normalized, project

    return _write(config, unchanged, root=root, lock_timeout=lock_timeout)


def update_tracker(
    config: TrackerProjectConfig,
    plan: Plan,
    *,
    lock_timeout: float = 30.0,
    root: Path | None = None,
) -> TrackerProjectConfig:
    """Write the change ``plan`` makes of the file as it is under the lock (called
    with the current config; returns tracker changes and a project to add when the
    file has none), however often others changed the file since ``config`` was read.
    Errors as :func:`write_tracker`, but never ``ConfigConflictError`` for a file that
    changed before the lock was taken."""

    def current(data: bytes | None) -> Step:
        document = _as_read(config, data)
        now = document.config if document is not None else _missing_like(config)
        changes, project = plan(now)
        identity = _identity(project)
        if identity is not None:
            _project_values(identity)
        return document, _normalize_changes(changes), project

    return _write(config, current, root=root, lock_timeout=lock_timeout)


def _missing_like(config: TrackerProjectConfig) -> TrackerProjectConfig:
    return replace(config, exists=False, project=None, tracker=None, fingerprint=None, raw=None)
