"""Read a repo's `.kittify/config.yaml` (DESIGN §3) and agree with YAML on what it says.

Reading never trusts the file: it is size-limited, must be UTF-8 text without NUL
bytes, is parsed by a bounded composer (no alias bombs, no crash on deep nesting,
duplicate keys refused) and type-checked; any problem is a :class:`ConfigError`
naming the file, the reason and a short code (the audit's ``misconfigured:<code>``).
:func:`parse_config_bytes` / :func:`scan_config` are the fast path for scanning many
repos; :func:`load_config` also checks that ruamel.yaml (spec-kitty's own reader)
reads the file, since only such files are written.

What is read is what a YAML reader reads, or the file is refused (the section
checks live in :mod:`tracker_core.config.sections`):

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
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.config.sections import check_top_merge, is_null, project_identity, tracker_section
from tracker_core.config.yaml_compose import YamlError, compose
from tracker_core.config.yaml_nodes import MappingNode, describe
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


def parse_document(repo: Path, data: bytes, *, symlinked: bool = False) -> Document:
    path = config_path(repo)
    text, bom = decode(path, data)
    root = _compose_root(path, text)
    check_top_merge(path, root)
    config = TrackerProjectConfig(
        repo=Path(repo),
        path=path,
        exists=True,
        project=project_identity(path, root),
        tracker=tracker_section(path, root),
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
