"""Read a repo's `.kittify/config.yaml` (DESIGN §3) and agree with YAML on what it says.

Reading never trusts the file: it is size-limited, must be UTF-8 text without NUL
bytes, is parsed by a bounded composer (no alias bombs, no crash on deep nesting,
duplicate keys refused) and type-checked; any problem is a :class:`ConfigError`
naming the file, the reason and a short code (the audit's ``misconfigured:<code>``).
:func:`parse_config_bytes` / :func:`scan_config` are the fast path for scanning many
repos; :func:`load_config` also checks that ruamel.yaml (spec-kitty's own reader)
reads the file, since only such files are written.

What is read is what a YAML reader reads, or the file is refused:

* a merge key (``<<: *base``) that brings in ``tracker:`` or ``project:``, or sits
  inside them, is ``merge-key``: YAML readers see a binding there that the explicit
  keys do not show, and a patch of the text could not edit it safely;
* a project identity scalar that YAML types as anything but a string
  (``node_id: 000123`` is 123 to ruamel.yaml and 83 to PyYAML) is ``identity-type``,
  with the quoting that fixes it: the identity sent is what spec-kitty reads.

Decisions: a UTF-8 byte-order mark is accepted and kept (YAML allows it and
spec-kitty reads such files); files over :data:`MAX_CONFIG_BYTES` are reported, never
parsed or written; a config reached through a symlinked ``.kittify`` or
``config.yaml`` is read (``symlinked=True``) but never written.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tracker_core.config import atomic_file
from tracker_core.config.config_model import OwnershipKey, TrackerProjectConfig, TrackerSection
from tracker_core.config.identity import ProjectIdentity
from tracker_core.config.yaml_nodes import (
    MERGE,
    NULL,
    STR,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YamlError,
    compose,
    describe,
    to_python,
)
from tracker_core.errors import ConfigError

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
BOM = "\ufeff"


def config_path(repo: Path) -> Path:
    return Path(repo) / ".kittify" / "config.yaml"


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    config: TrackerProjectConfig
    text: str  # without the byte-order mark
    bom: bool
    root: MappingNode | None


def _too_large(size: int) -> str:
    return f"larger than the {MAX_CONFIG_BYTES / 1024 / 1024:g} MiB limit ({size:,} bytes)"


def decode(path: Path, data: bytes) -> tuple[str, bool]:
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
    bom = text.startswith(BOM)
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


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


def _compose_root(path: Path, text: str) -> MappingNode | None:
    try:
        root = compose(text)
    except YamlError as exc:
        raise ConfigError(path, str(exc), code="unparseable") from None
    if root is None or is_null(root):
        return None  # an empty file is an empty config
    if not isinstance(root, MappingNode):
        raise ConfigError(
            path, f"the top level is {describe(root)}, not a mapping", code="not_a_mapping"
        )
    return root


def _merged_keys(node: Node, depth: int = 0) -> set[str]:
    """The string keys a merge value (``<<: *a`` or ``<<: [*a, *b]``) brings in."""
    sources = node.items if isinstance(node, SequenceNode) else [node]
    keys: set[str] = set()
    for source in sources:
        if isinstance(source, MappingNode) and depth < 10:
            for key, value in source.items:
                if isinstance(key, ScalarNode) and key.tag == MERGE:
                    keys |= _merged_keys(value, depth + 1)
                elif isinstance(key, ScalarNode) and key.tag == STR:
                    keys.add(key.value)
    return keys


def _refuse_merge(path: Path, what: str) -> ConfigError:
    return ConfigError(
        path, f"{what} a YAML merge key (<<); write the section out in full", code="merge-key"
    )


def _check_top_merge(path: Path, root: MappingNode | None) -> None:
    """Refuse a top-level merge that brings in a section this tool reads: a YAML
    reader sees that section, a reader of the explicit keys alone would not."""
    if root is None:
        return
    explicit = set(entries(root))
    for key, value in root.items:
        if isinstance(key, ScalarNode) and key.tag == MERGE:
            reached = sorted((_merged_keys(value) & {"tracker", "project"}) - explicit)
            if reached:
                raise _refuse_merge(path, f"{reached[0]}: comes from")


def _section(path: Path, root: MappingNode | None, name: str) -> MappingNode | None:
    entry = root.get(name) if root is not None else None
    if entry is None or is_null(entry[1]):
        return None
    node = entry[1]
    if not isinstance(node, MappingNode):
        raise ConfigError(path, f"{name}: is {describe(node)}, not a mapping", code="wrong_types")
    for key, _ in node.items:
        if isinstance(key, ScalarNode) and key.tag == MERGE:
            raise _refuse_merge(path, f"{name}: uses")
    return node


def entries(node: MappingNode) -> dict[str, Node]:
    return {k.value: v for k, v in node.items if isinstance(k, ScalarNode) and k.tag == STR}


def _optional_str(path: Path, name: str, node: Node | None) -> str | None:
    if node is None or is_null(node):
        return None
    if isinstance(node, ScalarNode) and node.tag == STR:
        return node.value
    raise ConfigError(path, f"{name} must be a string, not {describe(node)}", code="wrong_types")


def _quoting_fix(path: Path, name: str, node: ScalarNode) -> ConfigError:
    shown = node.value if len(node.value) <= 40 else node.value[:39] + "…"
    key = name.rsplit(".", 1)[-1]
    return ConfigError(
        path,
        f"{name} must be a string, not {describe(node)}: YAML reads {shown} as "
        f'{describe(node)}; quote it: {key}: "{shown}"',
        code="identity-type",
    )


def _identity_text(path: Path, name: str, node: Node | None, *, required: bool) -> str | None:
    """An identity value exactly as YAML reads it: a string. ``node_id: 000123`` is
    the number 123 to ruamel.yaml (83 to PyYAML), so it is refused, never sent."""
    if node is None or is_null(node):
        if required:
            raise ConfigError(path, f"{name} is missing", code="wrong_types")
        return None
    if isinstance(node, ScalarNode) and node.tag == STR and node.value.strip():
        return node.value
    if isinstance(node, ScalarNode) and node.tag != STR:
        raise _quoting_fix(path, name, node)
    raise ConfigError(
        path, f"{name} must be a non-empty string, not {describe(node)}", code="wrong_types"
    )


def _project(path: Path, root: MappingNode | None) -> ProjectIdentity | None:
    node = _section(path, root, "project")
    if node is None or not node.items:  # `project: {}` holds no identity either
        return None
    fields = entries(node)
    uuid_node = fields.get("uuid")
    if isinstance(uuid_node, ScalarNode) and uuid_node.tag not in (STR, NULL):
        raise _quoting_fix(path, "project.uuid", uuid_node)
    uuid = _optional_str(path, "project.uuid", uuid_node)
    if not uuid or not uuid.strip():
        if "uuid" in fields and not is_null(fields["uuid"]):
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


def normal_provider(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip().lower() or None


def _context(path: Path, node: Node | None) -> dict[str, str]:
    if node is None or is_null(node):
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
            if not (is_null(value) or isinstance(value, MappingNode)):
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
        provider=normal_provider(known.get("provider")),
        binding_ref=known.get("binding_ref"),
        project_slug=known.get("project_slug"),
        display_label=known.get("display_label"),
        provider_context=context,
        workspace=known.get("workspace"),
        ownership_key=owner_key,
        ownership=ownership.get(owner_key) if owner_key else None,
        extra=extra,
    )


def parse_document(repo: Path, data: bytes, *, symlinked: bool = False) -> Document:
    path = config_path(repo)
    text, bom = decode(path, data)
    root = _compose_root(path, text)
    _check_top_merge(path, root)
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
    return Document(config, text, bom, root)


def parse_config_bytes(repo: Path, data: bytes) -> TrackerProjectConfig:
    """The config of ``repo`` from the bytes of its config file (fast, no ruamel)."""
    return parse_document(repo, data).config


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


def read_following_links(path: Path) -> bytes | None:
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
    data = read_following_links(path)
    if data is None:
        return _missing(repo, symlinked=symlinked)
    return parse_document(repo, data, symlinked=symlinked).config


def ruamel_load(path: Path, text: str) -> Any:
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
        text, _ = decode(config.path, config.raw)
        ruamel_load(config.path, text)
    return config
