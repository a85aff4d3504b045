"""The `project:` and `tracker:` sections of a composed config, type-checked.

What is read is what a YAML reader reads, or the file is refused with a
:class:`ConfigError` (``merge-key``, ``identity-type``, ``wrong_types``): see
:mod:`tracker_core.config.reader`, which decodes and composes the file first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker_core.config.config_model import OwnershipKey, TrackerSection
from tracker_core.config.identity import ProjectIdentity
from tracker_core.config.yaml_nodes import (
    MERGE,
    NULL,
    STR,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    describe,
    to_python,
)
from tracker_core.errors import ConfigError

_STRING_KEYS = ("provider", "binding_ref", "project_slug", "display_label", "workspace")


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL


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


def check_top_merge(path: Path, root: MappingNode | None) -> None:
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


def project_identity(path: Path, root: MappingNode | None) -> ProjectIdentity | None:
    """The `project:` section's identity; None when there is none."""
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


def tracker_section(path: Path, root: MappingNode | None) -> TrackerSection | None:
    """The `tracker:` section, its known keys type-checked, the rest kept as data."""
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
