"""Edit a YAML config by patching its text, never by re-dumping it.

A YAML library's round-trip dump re-indents some files and can move comments, and
other tools own most of ``.kittify/config.yaml``. So a write here touches only the
lines of the keys that change: a scalar value is replaced in place (its key, spacing
and trailing comment stay), a key that gets a block value is rewritten as whole lines,
a missing key is inserted after its neighbour in the canonical order, and a missing
section is appended at the end of the file. Every other line keeps its bytes, line
ending included.

Positions come from :mod:`tracker_core.config.yaml_nodes`, composed from the same text.
Layouts this cannot edit safely (flow style, anchors, explicit keys...) raise
:class:`LayoutError` rather than guess.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from tracker_core.config.yaml_nodes import (
    STR,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    resolve_plain,
)

# The line breaks libyaml counts lines by (NEL and the Unicode separators are refused
# before parsing, so these three are all there is).
_BREAK_RE = re.compile(r"\r\n|\r|\n")

# Conservative: anything outside this is quoted, even when YAML would allow it plain
# (no ':' or '#', single spaces only between words, nothing at either end).
_PLAIN_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@+-]*(?: [A-Za-z0-9_./@+()-]+)*")

_SHORT_ESCAPES = {
    "\0": "\\0",
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\e",
    '"': '\\"',
    "\\": "\\\\",
}

Value = str | None | Mapping[str, str]


class LayoutError(Exception):
    """The file is valid but laid out in a way this writer will not patch."""


@dataclass
class Line:
    text: str
    eol: str  # "\n", "\r\n", "\r", or "" for a last line without a break


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for match in _BREAK_RE.finditer(text):
        lines.append(Line(text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        lines.append(Line(text[pos:], ""))
    return lines


# --- scalars -------------------------------------------------------------------------


@cache
def _ruamel_resolvers() -> tuple[object, ...]:
    from ruamel.yaml.resolver import VersionedResolver

    return (VersionedResolver(version=(1, 2)), VersionedResolver(version=(1, 1)))


_RUAMEL_LOCK = threading.Lock()  # its resolvers cache per-version tables lazily


def _reads_as_string(value: str) -> bool:
    """True when every YAML reader we know types ``value`` written plain as a string."""
    if resolve_plain(value) != STR or resolve_plain(value, (1, 1)) != STR:
        return False
    from ruamel.yaml.nodes import ScalarNode as RuamelScalar

    with _RUAMEL_LOCK:
        return all(
            str(r.resolve(RuamelScalar, value, (True, False))) == STR  # type: ignore[attr-defined]
            for r in _ruamel_resolvers()
        )


def _double_quoted(value: str) -> str:
    out = ['"']
    for char in value:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif code < 0x20 or 0x7F <= code <= 0xA0 or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\x{code:02X}" if code <= 0xFF else f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render_scalar(value: str | None) -> str:
    """``value`` as a YAML scalar that every reader gives back exactly."""
    if value is None:
        return "null"
    if _PLAIN_RE.fullmatch(value) and _reads_as_string(value):
        return value
    return _double_quoted(value)


def render_inline(value: Value) -> str | None:
    """A one-line rendering, or ``None`` when the value needs a block (a non-empty map)."""
    if isinstance(value, Mapping):
        return None if value else "{}"
    return render_scalar(value)


def entry_lines(key: str, value: Value, indent: int, nested: int) -> list[str]:
    """``key: value`` lines; a mapping becomes a block mapping at ``nested`` spaces."""
    head = " " * indent + render_scalar(key) + ":"
    inline = render_inline(value)
    if inline is not None:
        return [f"{head} {inline}"]
    assert isinstance(value, Mapping)
    pad = " " * nested
    return [head] + [f"{pad}{render_scalar(k)}: {render_scalar(v)}" for k, v in value.items()]


# --- the edit plan -------------------------------------------------------------------


@dataclass(frozen=True)
class SectionUpdate:
    """Set ``values`` (in ``order``) in the top-level mapping ``key``.

    With ``only_if_missing`` the section is written only when it is absent or null.
    """

    key: str
    values: Mapping[str, Value]
    order: tuple[str, ...]
    only_if_missing: bool = False


@dataclass
class _Plan:
    lines: list[Line]
    edited: dict[int, str] = field(default_factory=dict)  # line -> new text
    replaced: dict[int, tuple[int, list[str]]] = field(default_factory=dict)  # first -> (last, new)
    after: defaultdict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    tail: list[str] = field(default_factory=list)

    def text_of(self, line: int) -> str:
        return self.edited.get(line, self.lines[line].text)

    def edit(self, line: int, text: str) -> None:
        if line in self.edited:
            raise LayoutError(f"two edits on line {line + 1}")
        self.edited[line] = text

    def render(self) -> str:
        newline = next((line.eol for line in self.lines if line.eol), "\n")
        out: list[list[str]] = []  # [text, eol]; eol "" means "decide below"
        index = 0
        while index < len(self.lines):
            line = self.lines[index]
            if index in self.replaced:
                last, new = self.replaced[index]
                if any(i in self.after or i in self.edited for i in range(index, last)):
                    raise LayoutError(f"overlapping edits near line {index + 1}")
                out.extend([text, ""] for text in new)
                if new:
                    out[-1][1] = self.lines[last].eol
                index = last
            else:
                out.append([self.text_of(index), line.eol])
            out.extend([text, ""] for text in self.after.get(index, ()))
            index += 1
        out.extend([text, ""] for text in self.tail)
        # Every line but the last ends with a break; the last keeps the file's choice.
        ends_without_break = bool(self.lines) and self.lines[-1].eol == ""
        for i, item in enumerate(out):
            if i == len(out) - 1:
                item[1] = "" if ends_without_break else (item[1] or newline)
            elif not item[1]:
                item[1] = newline
        return "".join(text + eol for text, eol in out)


def _last_line(node: Node, plan: _Plan) -> int:
    """The last line holding ``node``'s own text (not comments or blank lines after it)."""
    if isinstance(node, ScalarNode):
        if node.style not in ("|", ">"):
            return node.end[0]
        line = node.end[0] - 1 if node.end[1] == 0 else node.end[0]
        line = max(line, node.start[0])
        while line > node.start[0] and not plan.lines[line].text.strip():
            line -= 1
        return line
    if isinstance(node, MappingNode) and not node.flow and node.items:
        return _last_line(node.items[-1][1], plan)
    if isinstance(node, SequenceNode) and not node.flow and node.items:
        return _last_line(node.items[-1], plan)
    return node.end[0]


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag.endswith(":null")


def _indent_unit(root: MappingNode | None, root_col: int) -> int:
    """How far this file indents a section's keys (2 unless it says otherwise)."""
    units = [
        value.start[1] - root_col
        for _, value in (root.items if root else [])
        if isinstance(value, MappingNode) and not value.flow and value.start[1] > root_col
    ]
    return min(units) if units else 2


def _children(update: SectionUpdate, indent: int, nested: int) -> list[str]:
    lines: list[str] = []
    for key in update.order:
        if key in update.values:
            lines.extend(entry_lines(key, update.values[key], indent, nested))
    return lines


def _colon_after(text: str, column: int, line: int) -> int:
    index = column
    while index < len(text) and text[index] == " ":
        index += 1
    if index >= len(text) or text[index] != ":":
        raise LayoutError(f"cannot find the ':' after the key on line {line + 1}")
    return index


def _update_block_map(
    plan: _Plan, key_node: Node, section: MappingNode, update: SectionUpdate, root_col: int
) -> None:
    indent = section.start[1]
    entries: dict[str, tuple[ScalarNode, Node, int, int]] = {}
    for key, node in section.items:
        if not (isinstance(key, ScalarNode) and key.tag == STR and key.value in update.order):
            continue  # other keys are never touched, whatever their layout
        line = key.start[0]
        if (
            key.start[0] != key.end[0]
            or key.start[1] != indent
            or plan.lines[line].text[:indent].strip()
        ):
            where = f"line {line + 1}"
            raise LayoutError(f"{update.key}: has a key written in an unusual way ({where})")
        entries[key.value] = (key, node, line, _last_line(node, plan))

    context = entries.get("provider_context")
    nested = indent + (indent - root_col)  # one more step of the section's own indent
    if context and isinstance(context[1], MappingNode) and context[1].items:
        nested = context[1].start[1] if not context[1].flow else nested

    inserted: dict[str, int] = {}  # new key -> line it is inserted after
    for position, name in enumerate(update.order):
        if name not in update.values:
            continue
        value = update.values[name]
        if name in entries:
            key, node, first, last = entries[name]
            inline = render_inline(value)
            one_line = node.start[0] == node.end[0]
            inline_node = (isinstance(node, ScalarNode) and node.style not in ("|", ">")) or (
                isinstance(node, MappingNode | SequenceNode) and node.flow
            )
            if inline is not None and isinstance(node, ScalarNode) and node.is_empty_null:
                # `key:` with nothing: the value goes right after the colon.
                text = plan.text_of(first)
                colon = _colon_after(text, key.end[1], first)
                plan.edit(first, f"{text[: colon + 1]} {inline}{text[colon + 1 :]}")
            elif inline is not None and one_line and inline_node:
                # Replace just the value: key, spacing and a trailing comment stay.
                line = node.start[0]
                text = plan.text_of(line)
                plan.edit(line, text[: node.start[1]] + inline + text[node.end[1] :])
            else:
                plan.replaced[first] = (last, entry_lines(name, value, indent, nested))
            continue
        before = [n for n in update.order[:position] if n in entries or n in inserted]
        if before:
            previous = before[-1]
            anchor = entries[previous][3] if previous in entries else inserted[previous]
        else:
            anchor = key_node.start[0]
        inserted[name] = anchor
        plan.after[anchor].extend(entry_lines(name, value, indent, nested))


def _update_section(
    plan: _Plan, root: MappingNode | None, update: SectionUpdate, root_col: int, unit: int
) -> None:
    if not update.values:
        return
    entry = root.get(update.key) if root is not None else None
    indent = root_col + unit
    if entry is None:
        if root is not None and root.flow:
            raise LayoutError("the top level is written in flow style")
        plan.tail.append(" " * root_col + render_scalar(update.key) + ":")
        plan.tail.extend(_children(update, indent, indent + unit))
        return
    key_node, value = entry
    if value.special:
        raise LayoutError(f"{update.key}: uses YAML anchors or aliases")
    empty_flow = isinstance(value, MappingNode) and value.flow and not value.items
    if _is_null(value) or empty_flow:
        header = key_node.start[0]
        if not (isinstance(value, ScalarNode) and value.is_empty_null):
            # `tracker: null  # note` becomes `tracker:  # note`, then the keys follow.
            if value.start[0] != header or value.end[0] != header:
                raise LayoutError(f"{update.key}: has an unusual layout (line {header + 1})")
            text = plan.text_of(header)
            plan.edit(header, text[: value.start[1]].rstrip() + text[value.end[1] :])
        plan.after[header].extend(_children(update, indent, indent + unit))
        return
    if update.only_if_missing:
        return
    if not isinstance(value, MappingNode) or value.flow:
        raise LayoutError(f"{update.key}: is written in flow style; edit it by hand")
    _update_block_map(plan, key_node, value, update, root_col)


def apply_updates(text: str, root: Node | None, updates: Sequence[SectionUpdate]) -> str:
    """``text`` with ``updates`` applied; ``root`` must be ``compose(text)``."""
    if root is not None and not isinstance(root, MappingNode):
        if not _is_null(root):
            raise LayoutError("the top level is not a mapping")
        root = None
    plan = _Plan(split_lines(text))
    root_col = root.start[1] if root is not None and not root.flow else 0
    unit = _indent_unit(root, root_col)
    for update in updates:
        _update_section(plan, root, update, root_col, unit)
    return plan.render()
