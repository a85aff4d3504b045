"""The YAML node tree a config is read into, and how a plain scalar is typed.

Nodes keep their line/column positions so the text writer can patch the file in place.
Plain scalars are typed with the YAML 1.2 core schema (what ruamel.yaml, and so
spec-kitty, uses), or YAML 1.1 when the document says ``%YAML 1.1``. The bounded
composer that builds the tree is :mod:`tracker_core.config.yaml_compose`.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
MERGE = "tag:yaml.org,2002:merge"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"


Pos = tuple[int, int]  # (line, column), both 0-based, columns in characters


class Node:
    __slots__ = ("end", "size", "special", "start", "tag")

    def __init__(self, tag: str, start: Pos, end: Pos) -> None:
        self.tag = tag
        self.start = start
        self.end = end
        self.size = 1  # nodes this one stands for, aliases expanded
        self.special = False  # it, or something inside it, has an anchor or is an alias


class ScalarNode(Node):
    __slots__ = ("style", "value")

    def __init__(self, tag: str, value: str, style: str | None, start: Pos, end: Pos) -> None:
        super().__init__(tag, start, end)
        self.value = value
        self.style = style  # None (plain), "'", '"', "|" or ">"

    @property
    def is_empty_null(self) -> bool:
        """``key:`` with nothing after it."""
        return self.tag == NULL and self.value == "" and self.style is None


class SequenceNode(Node):
    __slots__ = ("flow", "items")

    def __init__(self, tag: str, flow: bool, start: Pos) -> None:
        super().__init__(tag, start, start)
        self.flow = flow
        self.items: list[Node] = []


class MappingNode(Node):
    __slots__ = ("_seen", "flow", "items")

    def __init__(self, tag: str, flow: bool, start: Pos) -> None:
        super().__init__(tag, start, start)
        self.flow = flow
        self.items: list[tuple[Node, Node]] = []
        self._seen: set[object] = set()

    def get(self, key: str) -> tuple[ScalarNode, Node] | None:
        """The entry whose key is the string ``key``."""
        for k, v in self.items:
            if isinstance(k, ScalarNode) and k.tag == STR and k.value == key:
                return k, v
        return None


# --- scalar typing -------------------------------------------------------------------

_CORE_1_2: list[tuple[str, re.Pattern[str]]] = [
    (NULL, re.compile(r"~|null|Null|NULL|")),
    (BOOL, re.compile(r"true|True|TRUE|false|False|FALSE")),
    (INT, re.compile(r"[-+]?(?:[0-9_]*[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)")),
    (
        FLOAT,
        re.compile(
            r"[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
        ),
    ),
    (
        TIMESTAMP,
        re.compile(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
            r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
        ),
    ),
    (MERGE, re.compile(r"<<")),
]
# Only scalars starting with one of these can be anything but a string (fast path).
_TYPED_FIRST = frozenset("~nNtTfF-+.0123456789<")
_RESOLVER_1_1 = yaml.resolver.Resolver()


def resolve_plain(value: str, version: tuple[int, int] | None = None) -> str:
    """The tag a plain (unquoted, untagged) scalar gets."""
    if version == (1, 1):
        return str(_RESOLVER_1_1.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]
    if value and value[0] not in _TYPED_FIRST:
        return STR
    for tag, pattern in _CORE_1_2:
        if pattern.fullmatch(value):
            return tag
    return STR


def _int(text: str) -> int | str:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if digits.startswith(prefix):
            return sign * int(digits[2:], base)
    try:
        return sign * int(digits, 10)
    except ValueError:  # YAML 1.1 sexagesimal and the like: keep the text
        return text


def _float(text: str) -> float | str:
    lowered = text.lower().replace("_", "")
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    try:
        return float(lowered)
    except ValueError:
        return text


def scalar_value(node: ScalarNode) -> Any:
    """The Python value of a scalar; tags this tool has no use for keep their text."""
    tag, text = node.tag, node.value
    if tag == NULL:
        return None
    if tag == BOOL:
        return text.lower() in ("true", "yes", "on", "y")
    if tag == INT:
        return _int(text)
    if tag == FLOAT:
        return _float(text)
    return text


def to_python(node: Node) -> Any:
    """Plain Python data (dict/list/scalars) for a node. Unhashable keys become text."""
    if isinstance(node, ScalarNode):
        return scalar_value(node)
    if isinstance(node, SequenceNode):
        return [to_python(item) for item in node.items]
    assert isinstance(node, MappingNode)
    result: dict[Any, Any] = {}
    for key, value in node.items:
        k = to_python(key)
        if isinstance(k, list | dict):
            k = repr(k)
        result[k] = to_python(value)
    return result


def describe(node: Node) -> str:
    """``a list``, ``a number``... for error messages about wrong types."""
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    assert isinstance(node, ScalarNode)
    return {
        NULL: "null",
        BOOL: "true/false",
        INT: "a number",
        FLOAT: "a number",
        TIMESTAMP: "a date",
        STR: "a string",
    }.get(node.tag, f"a value tagged {node.tag}")
