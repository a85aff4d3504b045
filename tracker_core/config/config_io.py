"""Read and write a repo's `.kittify/config.yaml` (DESIGN §3).

Reading never trusts the file: it is size-limited, must be UTF-8 text without NUL
bytes, is parsed by a bounded composer (no alias bombs, no crash on deep nesting,
duplicate keys refused) and type-checked; any problem is a :class:`ConfigError`
naming the file and the reason. :func:`parse_config_bytes` / :func:`scan_config` are
the fast path for scanning many repos; :func:`load_config` also checks that
ruamel.yaml (spec-kitty's own reader) reads the file, since only such files are
written.

Writing patches the text (see :mod:`tracker_core.config.yaml_text`) so every byte outside the
changed ``tracker:`` keys stays, then proves it: the result is read back by both
readers and must hold exactly the intended values, with every other section equal.
The write itself holds a cross-process lock, refuses when the file changed since it
was read (``ConfigConflictError``, never a lost update), refuses symlinks, and
replaces the file atomically.

Decisions: a UTF-8 byte-order mark is accepted and kept (YAML allows it and
spec-kitty reads such files); files over :data:`MAX_CONFIG_BYTES` are reported, never
parsed or written; a config reached through a symlinked ``.kittify`` or
``config.yaml`` is read (``symlinked=True``) but never written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tracker_core.config import atomic_file
from tracker_core.config.config_model import OwnershipKey, TrackerProjectConfig, TrackerSection
from tracker_core.config.file_lock import config_lock
from tracker_core.config.identity import ProjectIdentity
from tracker_core.config.yaml_nodes import (
    FLOAT,
    INT,
    MERGE,
    NULL,
    STR,
    MappingNode,
    Node,
    ScalarNode,
    YamlError,
    compose,
    describe,
    to_python,
)
from tracker_core.config.yaml_text import LayoutError, SectionUpdate, Value, apply_updates
from tracker_core.errors import ConfigConflictError, ConfigError, PathNotAllowedError, UsageError

MAX_CONFIG_BYTES = 1024 * 1024

TRACKER_KEYS: tuple[str, ...] = (
    "provider",
    "binding_ref",
    "project_slug",
    "display_label",
    "provider_context",
    "workspace",
)
PROJECT_KEYS: tuple[str, ...] = ("uuid", "slug", "node_id", "build_id", "repo_slug")

_STRING_KEYS = ("provider", "binding_ref", "project_slug", "display_label", "workspace")
# libyaml breaks lines at these, ruamel.yaml does not: the two would read different
# documents, so such files are refused instead of guessed at.
_AMBIGUOUS_BREAKS = ("\x85", "\u2028", "\u2029")
_BOM = "\ufeff"


def config_path(repo: Path) -> Path:
    return Path(repo) / ".kittify" / "config.yaml"


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    config: TrackerProjectConfig
    text: str  # without the byte-order mark
    bom: bool
    root: MappingNode | None


def _too_large(size: int) -> str:
    return f"larger than the {MAX_CONFIG_BYTES / 1024 / 1024:g} MiB limit ({size:,} bytes)"


def _decode(path: Path, data: bytes) -> tuple[str, bool]:
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, _too_large(len(data)), code="too_large")
    if b"\0" in data:
        raise ConfigError(path, "contains NUL bytes (binary data, not YAML text)", code="binary")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            path, f"not UTF-8 text (bad byte at offset {exc.start})", code="encoding"
        ) from None
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    for char in _AMBIGUOUS_BREAKS:
        if char in text:
            raise ConfigError(
                path,
                f"contains U+{ord(char):04X}, a line break YAML readers disagree on",
                code="encoding",
            )
    return text, bom


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def _compose_root(path: Path, text: str) -> MappingNode | None:
    try:
        root = compose(text)
    except YamlError as exc:
        raise ConfigError(path, str(exc), code="unparseable") from None
    if root is None or _is_null(root):
        return None  # an empty file is an empty config
    if not isinstance(root, MappingNode):
        raise ConfigError(
            path, f"the top level is {describe(root)}, not a mapping", code="not_a_mapping"
        )
    return root


def _section(path: Path, root: MappingNode | None, name: str) -> MappingNode | None:
    entry = root.get(name) if root is not None else None
    if entry is None or _is_null(entry[1]):
        return None
    node = entry[1]
    if not isinstance(node, MappingNode):
        raise ConfigError(path, f"{name}: is {describe(node)}, not a mapping", code="wrong_types")
    for key, _ in node.items:
        if isinstance(key, ScalarNode) and key.tag == MERGE:
            raise ConfigError(
                path,
                f"{name}: uses a YAML merge key (<<), which is not supported",
                code="unsupported",
            )
    return node


def _entries(node: MappingNode) -> dict[str, Node]:
    return {k.value: v for k, v in node.items if isinstance(k, ScalarNode) and k.tag == STR}


def _optional_str(path: Path, name: str, node: Node | None) -> str | None:
    if node is None or _is_null(node):
        return None
    if isinstance(node, ScalarNode) and node.tag == STR:
        return node.value
    raise ConfigError(path, f"{name} must be a string, not {describe(node)}", code="wrong_types")


def _identity_text(path: Path, name: str, node: Node | None, *, required: bool) -> str | None:
    # Hex ids can look like numbers (`node_id: 123456789012`): keep their text.
    if node is None or _is_null(node):
        if required:
            raise ConfigError(path, f"{name} is missing", code="wrong_types")
        return None
    if isinstance(node, ScalarNode) and node.tag in (STR, INT, FLOAT) and node.value.strip():
        return node.value
    raise ConfigError(
        path, f"{name} must be a non-empty string, not {describe(node)}", code="wrong_types"
    )


def _project(path: Path, root: MappingNode | None) -> ProjectIdentity | None:
    node = _section(path, root, "project")
    if node is None or not node.items:  # `project: {}` holds no identity either
        return None
    fields = _entries(node)
    uuid = _optional_str(path, "project.uuid", fields.get("uuid"))
    if not uuid or not uuid.strip():
        if "uuid" in fields and not _is_null(fields["uuid"]):
            raise ConfigError(path, "project.uuid is empty", code="wrong_types")
        raise ConfigError(path, "project.uuid is missing", code="wrong_types")
    slug = _identity_text(path, "project.slug", fields.get("slug"), required=True)
    node_id = _identity_text(path, "project.node_id", fields.get("node_id"), required=True)
    assert slug is not None and node_id is not None
    return ProjectIdentity(
        uuid=uuid,
        slug=slug,
        node_id=node_id,
        build_id=_identity_text(path, "project.build_id", fields.get("build_id"), required=False),
        repo_slug=_identity_text(
            path, "project.repo_slug", fields.get("repo_slug"), required=False
        ),
    )


def _normal_provider(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip().lower() or None


def _context(path: Path, node: Node | None) -> dict[str, str]:
    if node is None or _is_null(node):
        return {}
    if not isinstance(node, MappingNode):
        raise ConfigError(
            path,
            f"tracker.provider_context must be a mapping, not {describe(node)}",
            code="wrong_types",
        )
    context: dict[str, str] = {}
    for key, value in node.items:
        if not (isinstance(key, ScalarNode) and key.tag == STR):
            raise ConfigError(
                path, "tracker.provider_context keys must be strings", code="wrong_types"
            )
        if not (isinstance(value, ScalarNode) and value.tag == STR):
            raise ConfigError(
                path,
                f"tracker.provider_context.{key.value} must be a string, not {describe(value)}",
                code="wrong_types",
            )
        context[key.value] = value.value
    return context


def _tracker(path: Path, root: MappingNode | None) -> TrackerSection | None:
    node = _section(path, root, "tracker")
    if node is None:
        return None
    known: dict[str, str | None] = {}
    context: dict[str, str] = {}
    ownership: dict[OwnershipKey, dict[str, Any] | None] = {}
    extra: dict[str, Any] = {}
    for key, value in node.items:
        name = key.value if isinstance(key, ScalarNode) else repr(to_python(key))
        if isinstance(key, ScalarNode) and key.tag == STR and name in _STRING_KEYS:
            known[name] = _optional_str(path, f"tracker.{name}", value)
        elif isinstance(key, ScalarNode) and key.tag == STR and name == "provider_context":
            context = _context(path, value)
        elif isinstance(key, ScalarNode) and key.tag == STR and name in ("doctrine", "ownership"):
            if not (_is_null(value) or isinstance(value, MappingNode)):
                raise ConfigError(
                    path,
                    f"tracker.{name} must be a mapping, not {describe(value)}",
                    code="wrong_types",
                )
            ownership["doctrine" if name == "doctrine" else "ownership"] = to_python(value)
        else:
            extra[name] = to_python(value)
    # Newer spec-kitty writes `ownership:`; it wins if a file somehow has both.
    owner_key: OwnershipKey | None = (
        "ownership" if "ownership" in ownership else "doctrine" if "doctrine" in ownership else None
    )
    return TrackerSection(
        provider=_normal_provider(known.get("provider")),
        binding_ref=known.get("binding_ref"),
        project_slug=known.get("project_slug"),
        display_label=known.get("display_label"),
        provider_context=context,
        workspace=known.get("workspace"),
        ownership_key=owner_key,
        ownership=ownership.get(owner_key) if owner_key else None,
        extra=extra,
    )


def _parse(repo: Path, data: bytes, *, symlinked: bool = False) -> _Document:
    path = config_path(repo)
    text, bom = _decode(path, data)
    root = _compose_root(path, text)
    config = TrackerProjectConfig(
        repo=Path(repo),
        path=path,
        exists=True,
        project=_project(path, root),
        tracker=_tracker(path, root),
        fingerprint=hashlib.sha256(data).hexdigest(),
        symlinked=symlinked,
        raw=data,
    )
    return _Document(config, text, bom, root)


def parse_config_bytes(repo: Path, data: bytes) -> TrackerProjectConfig:
    """The config of ``repo`` from the bytes of its config file (fast, no ruamel)."""
    return _parse(repo, data).config


def _missing(repo: Path, *, symlinked: bool) -> TrackerProjectConfig:
    return TrackerProjectConfig(
        repo=Path(repo),
        path=config_path(repo),
        exists=False,
        project=None,
        tracker=None,
        fingerprint=None,
        symlinked=symlinked,
    )


def _is_symlinked(path: Path) -> bool:
    return path.parent.is_symlink() or path.is_symlink()


def _read_following_links(path: Path) -> bytes | None:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: a FIFO planted here must not hang us
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise ConfigError(path, ".kittify is not a folder", code="unreadable") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(path, "not a regular file", code="unreadable")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(path, _too_large(info.st_size), code="too_large")
        return atomic_file.read_limited(fd, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from None
    finally:
        os.close(fd)


def scan_config(repo: Path) -> TrackerProjectConfig:
    """Read ``repo``'s config with the fast reader (for audits of many repos).

    A missing file is ``exists=False``; symlinks are followed and flagged."""
    path = config_path(repo)
    symlinked = _is_symlinked(path)
    data = _read_following_links(path)
    if data is None:
        return _missing(repo, symlinked=symlinked)
    return _parse(repo, data, symlinked=symlinked).config


def _ruamel_load(path: Path, text: str) -> Any:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="rt").load(text)
    except Exception as exc:  # hostile input can fail anywhere in a pure-Python reader
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(
            path, f"ruamel.yaml cannot read it: {detail}", code="unparseable"
        ) from None


def load_config(repo: Path) -> TrackerProjectConfig:
    """Read and fully validate ``repo``'s config, including that it round-trips through
    ruamel.yaml (spec-kitty's reader), as required before any write."""
    config = scan_config(repo)
    if config.exists and config.raw is not None:
        text, _ = _decode(config.path, config.raw)
        _ruamel_load(config.path, text)
    return config


# --- rendering -----------------------------------------------------------------------


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
            provider = _normal_provider(_check_text(name, value))
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
        return isinstance(old, str | None) and _normal_provider(old) == new
    if key == "provider_context":
        return isinstance(new, Mapping | None) and (old or {}) == dict(new or {})
    return type(old) is type(new) and old == new


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


def _expected(old: _Document, changes: dict[str, Value]) -> TrackerSection | None:
    if not changes:
        return old.config.tracker
    base = old.config.tracker or TrackerSection()
    updates: dict[str, Any] = dict(changes)
    if "provider_context" in updates:  # null reads back as {}
        updates["provider_context"] = dict(updates["provider_context"] or {})
    return replace(base, **updates)


def _verify(
    old: _Document,
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
        new = _parse(old.config.repo, new_text.encode("utf-8"))
        before = _plain(_ruamel_load(path, old.text) or {})
        after = _plain(_ruamel_load(path, new_text) or {})
    except ConfigError:
        raise failed from None
    if new.config.tracker != _expected(old, changes):
        raise failed
    expected_project = old.config.project
    if project is not None:
        expected_project = ProjectIdentity(
            uuid=str(project["uuid"]),
            slug=str(project["slug"]),
            node_id=str(project["node_id"]),
            build_id=None if project.get("build_id") is None else str(project["build_id"]),
            repo_slug=None if project.get("repo_slug") is None else str(project["repo_slug"]),
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
    if project is not None and after.get("project") != project:
        raise failed


def _current(config: TrackerProjectConfig) -> _Document | None:
    if not config.exists:
        return None
    data = config.raw
    if data is None:
        data = _read_following_links(config.path)
        if data is None:
            raise ConfigConflictError(config.path)
    return _parse(config.repo, data, symlinked=config.symlinked)


def _render(
    config: TrackerProjectConfig,
    current: _Document | None,
    changes: dict[str, Value],
    project: ProjectIdentity | None,
) -> tuple[str, str]:
    """(old text, new text) for ``changes``, both with the file's byte-order mark."""
    if current is None:
        current = _Document(
            replace(config, exists=False, project=None, tracker=None), "", False, None
        )
    root = current.root
    tracker_node = root.get("tracker") if root is not None else None
    present: dict[str, Any] = {}
    if tracker_node is not None and isinstance(tracker_node[1], MappingNode):
        present = {k: to_python(v) for k, v in _entries(tracker_node[1]).items()}
    effective = {
        key: value
        for key, value in changes.items()
        if not (key in present and _same(key, present[key], value))
    }
    project_values = None
    if project is not None and current.config.project is None:
        project_values = _project_values(project)
    updates = [SectionUpdate("tracker", effective, TRACKER_KEYS)]
    if project_values is not None:
        updates.insert(0, SectionUpdate("project", project_values, PROJECT_KEYS, True))
    path = config.path
    try:
        new_text = apply_updates(current.text, root, updates)
    except LayoutError as exc:
        raise ConfigError(path, f"cannot be edited safely: {exc}", code="unsupported") from None
    if new_text != current.text:
        _verify(current, new_text, effective, project_values)
    prefix = _BOM if current.bom else ""
    return prefix + current.text, prefix + new_text


def render_tracker_update(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectIdentity | None = None,
) -> tuple[str, str]:
    """The file's text before and after writing ``changes``, without writing.

    ``changes`` maps keys of :data:`TRACKER_KEYS` to new values (``None`` writes
    ``null``; keys not given stay as they are). ``project`` is written as a
    ``project:`` section only when the file has none."""
    normalized = _normalize_changes(changes)
    return _render(config, _current(config), normalized, project)


def config_diff(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectIdentity | None = None,
) -> str:
    """A unified diff of what :func:`write_tracker` would change ("" for nothing)."""
    old, new = render_tracker_update(config, changes, project=project)
    if old == new:
        return ""
    name = ".kittify/config.yaml"
    lines = difflib.unified_diff(
        old.lstrip(_BOM).splitlines(),
        new.lstrip(_BOM).splitlines(),
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


def write_tracker(
    config: TrackerProjectConfig,
    changes: Mapping[str, Any],
    *,
    project: ProjectIdentity | None = None,
    lock_timeout: float = 30.0,
) -> TrackerProjectConfig:
    """Write ``changes`` (see :func:`render_tracker_update`) and return the config as
    written. Raises ``ConfigConflictError`` when the file is no longer the one
    ``config`` was read from, ``PathNotAllowedError`` for symlinks, ``ConfigError``
    when the file cannot be edited safely; in every such case nothing is written."""
    normalized = _normalize_changes(changes)
    if project is not None:
        _project_values(project)
    path = config.path
    folder = path.parent
    if config.symlinked:
        raise _refuse_symlink(path, folder if folder.is_symlink() else path)
    with config_lock(path, lock_timeout):
        try:
            folder_fd = atomic_file.open_folder(folder, create=True)
        except atomic_file.SymlinkError:
            raise _refuse_symlink(path, folder) from None
        except FileNotFoundError:
            raise ConfigError(
                path, f"the repo folder {folder.parent} does not exist", code="unreadable"
            ) from None
        except OSError as exc:
            raise ConfigError(
                path, f"cannot open {folder}: {exc.strerror or exc}", code="unreadable"
            ) from None
        try:
            return _write_locked(config, folder_fd, normalized, project)
        finally:
            os.close(folder_fd)


def _write_locked(
    config: TrackerProjectConfig,
    folder_fd: int,
    changes: dict[str, Value],
    project: ProjectIdentity | None,
) -> TrackerProjectConfig:
    path = config.path
    try:
        found = atomic_file.read_in(folder_fd, path.name, MAX_CONFIG_BYTES)
    except atomic_file.SymlinkError:
        raise _refuse_symlink(path, path) from None
    except atomic_file.NotRegularFileError:
        raise ConfigError(path, "not a regular file", code="unreadable") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}", code="unreadable") from None
    data, info = found if found is not None else (None, None)
    unchanged = (
        data is None
        if not config.exists
        else data is not None and hashlib.sha256(data).hexdigest() == config.fingerprint
    )
    if not unchanged:
        raise ConfigConflictError(path)
    current = _parse(config.repo, data) if data is not None else None
    old_text, new_text = _render(config, current, changes, project)
    if new_text == old_text:
        return current.config if current is not None else config
    new_data = new_text.encode("utf-8")
    if len(new_data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            path, "the result would be larger than the size limit; not written", code="too_large"
        )
    try:
        atomic_file.remove_stale_temps(folder_fd, path.name)
        atomic_file.replace_in(folder_fd, path.name, new_data, info)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "no space left on the device"
        raise ConfigError(
            path, f"cannot write: {reason}; the file was not changed", code="write_failed"
        ) from None
    return _parse(config.repo, new_data).config
