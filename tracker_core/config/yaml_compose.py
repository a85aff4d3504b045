"""A small, bounded YAML composer over libyaml's event parser.

Configs come from repos we do not control, so the usual ``yaml.safe_load`` is not
enough: libyaml's own composer recurses in C and crashes the process on deeply nested
input, and aliases can expand exponentially ("billion laughs"). This module builds a
node tree (:mod:`tracker_core.config.yaml_nodes`) from parser events with an explicit
stack, refusing:

* nesting deeper than :data:`MAX_DEPTH`,
* aliases that would expand to more than :data:`MAX_ALIAS_EXPANSION` nodes, and
  aliases to an anchor that is not finished (recursive structures),
* duplicate mapping keys,
* more than one document.

A refusal or a parse error is a :class:`YamlError` with a one-line reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import yaml

from tracker_core.config.yaml_nodes import (
    MAP,
    SEQ,
    STR,
    MappingNode,
    Node,
    Pos,
    ScalarNode,
    SequenceNode,
    describe,
    resolve_plain,
    scalar_value,
)

# libyaml's C parser when PyYAML was built with it (much faster), else PyYAML's own.
_Parser: Any
try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _Parser = yaml.loader.SafeLoader

MAX_DEPTH = 100
MAX_ALIAS_EXPANSION = 10_000


class YamlError(Exception):
    """The text is not YAML this tool accepts; ``str()`` is a short reason."""


def _pos(mark: Any) -> Pos:
    return (int(mark.line), int(mark.column))


def _key_identity(node: Node) -> object:
    if isinstance(node, ScalarNode):
        value = scalar_value(node)
        if isinstance(value, float) and math.isnan(value):
            return ("nan", node.value)
        return (type(value).__name__, value)
    return id(node)  # complex keys: never reported as duplicates


def _key_text(node: Node) -> str:
    return node.value if isinstance(node, ScalarNode) else describe(node)


_OPENERS = ("while scanning a quoted scalar", "while parsing a flow ")


def _unclosed_start(exc: yaml.MarkedYAMLError) -> Any:
    """Where a quoted scalar or flow collection that never closes was opened (the
    context mark), when that is what stopped the parse on a later line."""
    start, end = exc.context_mark, exc.problem_mark
    if start is None or end is None or not str(exc.context or "").startswith(_OPENERS):
        return None
    return start if end.line > start.line else None


def _error_reason(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        return f"contains a character YAML does not allow (U+{code:04X})"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        opened = _unclosed_start(exc)
        if opened is not None and mark is not None:
            # A quote or bracket left open: the parser notices only where it gives up
            # (often the end of the file); the fix is where the construct starts.
            what = str(exc.context).removeprefix("while scanning ").removeprefix("while parsing ")
            what = what.replace("quoted scalar", "quoted string")
            return (
                f"invalid YAML: {what} opened at line {opened.line + 1}, column "
                f"{opened.column + 1} is never closed ({problem} at line {mark.line + 1})"
            )
        if mark is not None:
            lines = text.splitlines()
            line = lines[mark.line] if mark.line < len(lines) else ""
            if "\t" in line[: len(line) - len(line.lstrip())]:
                return f"invalid YAML: tab used for indentation (line {mark.line + 1})"
            return f"invalid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})"
        return f"invalid YAML: {problem}"
    return "invalid YAML: " + (str(exc).splitlines() or ["unreadable"])[0]


_QUOTED_RE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|#[^\n]*")


def _flow_depth(text: str) -> int:
    """Deepest run of unclosed flow brackets in ``text``, quoted strings and comments aside."""
    depth = deepest = 0
    for char in _QUOTED_RE.sub("", text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}" and depth:
            depth -= 1
    return deepest


def _events(text: str) -> Iterator[Any]:
    parser = _Parser(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            yield event
            if isinstance(event, yaml.StreamEndEvent):
                return
    finally:
        parser.dispose()


class _Composer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.version: tuple[int, int] | None = None
        self.anchors: dict[str, Node] = {}
        self.unfinished: set[str] = set()
        self.stack: list[tuple[SequenceNode | MappingNode, str | None]] = []
        self.pending_keys: list[Node | None] = []
        self.root: Node | None = None
        self.documents = 0
        self.expanded = 0

    def run(self) -> Node | None:
        try:
            for event in _events(self.text):
                self.feed(event)
        except yaml.YAMLError as exc:
            # libyaml has a nesting limit of its own that can stop the parse before
            # our event count sees the depth: the reason stays ours either way.
            mark = getattr(exc, "problem_mark", None)
            end = mark.index if mark is not None else len(self.text)
            if _flow_depth(self.text[: end + 1]) >= MAX_DEPTH:
                raise YamlError(f"nested deeper than {MAX_DEPTH} levels") from None
            raise YamlError(_error_reason(exc, self.text)) from None
        return self.root

    def feed(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            tag = event.tag
            if tag is None or tag == "!":
                plain = bool(event.implicit[0])
                tag = resolve_plain(event.value, self.version) if plain else STR
            style = event.style or None  # libyaml says "" for plain, PyYAML None
            node = ScalarNode(tag, event.value, style, _pos(event.start_mark), _pos(event.end_mark))
            self.finish(node, event.anchor)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise YamlError("more than one YAML document in the file")
            self.version = event.version
        elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            if len(self.stack) >= MAX_DEPTH:
                raise YamlError(f"nested deeper than {MAX_DEPTH} levels")
            is_map = kind is yaml.MappingStartEvent
            flow = bool(event.flow_style)
            start = _pos(event.start_mark)
            collection: SequenceNode | MappingNode = (
                MappingNode(event.tag or MAP, flow, start)
                if is_map
                else SequenceNode(event.tag or SEQ, flow, start)
            )
            if event.anchor is not None:
                self.unfinished.add(event.anchor)
            self.stack.append((collection, event.anchor))
            self.pending_keys.append(None)
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            collection, anchor = self.stack.pop()
            self.pending_keys.pop()
            collection.end = _pos(event.end_mark)
            if anchor is not None:
                self.unfinished.discard(anchor)
            self.finish(collection, anchor)
        elif kind is yaml.AliasEvent:
            name = str(event.anchor)
            if name in self.unfinished:
                raise YamlError(f"alias *{name} refers to a node that contains it (recursive)")
            target = self.anchors.get(name)
            if target is None:
                raise YamlError(f"alias *{name} refers to no anchor")
            self.expanded += target.size
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise YamlError(
                    f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} nodes (alias bomb)"
                )
            self.attach(target, alias=True)

    def finish(self, node: Node, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = node
            node.special = True
        self.attach(node, alias=False)

    def attach(self, node: Node, *, alias: bool) -> None:
        if not self.stack:
            self.root = node
            return
        parent = self.stack[-1][0]
        parent.size += node.size
        if alias or node.special:
            parent.special = True
        if isinstance(parent, SequenceNode):
            parent.items.append(node)
            return
        pending = self.pending_keys[-1]
        if pending is None:
            identity = _key_identity(node)
            if identity in parent._seen:
                line = node.start[0] + 1
                raise YamlError(f"duplicate key {_key_text(node)!r} (line {line})")
            parent._seen.add(identity)
            self.pending_keys[-1] = node
        else:
            parent.items.append((pending, node))
            self.pending_keys[-1] = None


def compose(text: str) -> Node | None:
    """The document's root node, or ``None`` for an empty document."""
    return _Composer(text).run()
