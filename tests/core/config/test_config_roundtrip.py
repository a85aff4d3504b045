"""Round-trip properties: whatever is written reads back exactly, by this library and by
ruamel.yaml (spec-kitty's reader), and whatever is not written keeps its bytes."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.core.config_support import CORPUS, config_bytes, make_repo
from tracker_core.config.config_io import (
    TRACKER_KEYS,
    load_config,
    parse_config_bytes,
    render_tracker_update,
    write_tracker,
)
from tracker_core.config.config_model import TrackerSection
from tracker_core.config.identity import ProjectIdentity

REPO = Path("repo")

# Strings that break naive YAML writers: indicators, type look-alikes, escapes, breaks.
NASTY = [
    "",
    " ",
    "null",
    "Null",
    "~",
    "yes",
    "No",
    "on",
    "y",
    "true",
    "1",
    "-1.5e3",
    "0o17",
    "0x1F",
    ".inf",
    ".NaN",
    "1_000",
    "2024-01-01",
    "2001-12-14 21:59:43.10 -5",
    "=",
    "<<",
    "- item",
    "-",
    "? key",
    ": value",
    "a: b",
    "a:b",
    "a #b",
    "#comment",
    "'single'",
    '"double"',
    "it's",
    "*alias",
    "&anchor",
    "!tag",
    "!!str",
    "%directive",
    "@at",
    "`tick",
    "{flow: map}",
    "[flow, seq]",
    "|",
    ">",
    "---",
    "...",
    "back\\slash",
    "tab\there",
    "line\nbreak",
    "crlf\r\nbreak",
    "trailing space ",
    " leading space",
    "\x00nul",
    "\x07bell\x1b[31mansi",
    "\x7fdel\x85nel",
    "\u2028ls\u2029ps",
    "\ufeffbom",
    "\ufffe\uffff",
    "émoji 🎉 — ok",
    "日本語のラベル",
    "<script>alert(1)</script>",
    "My Project (LINEAR-123)",
]

nasty = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(max_size=8)),
)
optional = st.one_of(st.none(), nasty)
provider = nasty.filter(lambda s: s.strip() != "")
context = st.one_of(st.none(), st.dictionaries(nasty, nasty, max_size=4))

changes_strategy = st.fixed_dictionaries(
    {},
    optional={
        "provider": provider,
        "binding_ref": optional,
        "project_slug": optional,
        "display_label": optional,
        "provider_context": context,
        "workspace": optional,
    },
)

RESERVED = {*TRACKER_KEYS, "doctrine", "ownership", "<<"}
unknown_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), nasty),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(nasty, inner, max_size=3)),
    max_leaves=6,
)
unknown_keys = st.dictionaries(
    nasty.filter(lambda k: k not in RESERVED), unknown_values, max_size=4
)

BASES = [
    "",
    "\ufeff# Überblick — config\nvcs:\n    type: git\n",
    (CORPUS / "CGary__spec-kitty.yaml").read_bytes().decode("utf-8"),
    (CORPUS / "KooshaPari__PlayCua.yaml").read_bytes().decode("utf-8"),
    (CORPUS / "egimenos__cycling-fantasy-analyzer-v2.yaml").read_bytes().decode("utf-8"),
]
SUFFIXES = ["", "# owned by another tool\nlater_section:\n  key: value\n"]


def ruamel_load(text: str) -> Any:
    return YAML(typ="rt").load(text)


def dump_entry(key: str, value: Any, indent: int = 2) -> str:
    """One ``key: value`` entry of the tracker section, as ruamel.yaml writes it."""
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.indent(mapping=indent, sequence=indent + 2, offset=indent)
    out = io.StringIO()
    yaml.dump({"tracker": {key: value}}, out)
    text = out.getvalue()
    assert text.startswith("tracker:\n")
    return text[len("tracker:\n") :]


def expected_section(initial: TrackerSection | None, changes: dict[str, Any]) -> dict[str, Any]:
    base = initial or TrackerSection()
    result = {key: getattr(base, key) for key in TRACKER_KEYS}
    for key, value in changes.items():
        if key == "provider":
            value = value.strip().lower()
        if key == "provider_context":
            value = dict(value or {})
        result[key] = value
    return result


def managed(section: TrackerSection) -> dict[str, Any]:
    return {key: getattr(section, key) for key in TRACKER_KEYS}


@st.composite
def config_texts(draw: st.DrawFn) -> tuple[str, str, list[str], str]:
    """(prefix, tracker section text, texts that must survive, suffix)."""
    prefix = draw(st.sampled_from(BASES))
    suffix = draw(st.sampled_from(SUFFIXES))
    indent = draw(st.sampled_from([2, 4]))
    unknown = draw(unknown_keys)
    initial = draw(changes_strategy)
    entries = [(dump_entry(k, v, indent), True) for k, v in unknown.items()]
    entries += [(dump_entry(k, v, indent), False) for k, v in initial.items()]
    entries += [
        (" " * indent + f"# note {n}\n", True)
        for n in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    order = draw(st.permutations(entries))
    section = "tracker:\n" + "".join(text for text, _ in order)
    kept = [text for text, must_survive in order if must_survive]
    if "\r\n" in prefix:
        section = section.replace("\n", "\r\n")
        suffix = suffix.replace("\n", "\r\n")
        kept = [t.replace("\n", "\r\n") for t in kept]
    return prefix, section, kept, suffix


@settings(max_examples=250, deadline=None)
@given(parts=config_texts(), changes=changes_strategy)
def test_written_values_read_back_and_everything_else_keeps_its_bytes(parts, changes):
    prefix, section, kept, suffix = parts
    text = prefix + section + suffix
    # ruamel.yaml writes these raw; libyaml would split lines there (refused on read).
    assume(not any(c in text for c in "\x85\u2028\u2029"))
    config = parse_config_bytes(REPO, text.encode("utf-8"))
    before = ruamel_load(text) or {}

    old, new = render_tracker_update(config, changes)

    assert old == text
    assert new.startswith(prefix) and new.endswith(suffix)
    for entry in kept:  # unknown keys and comments survive byte for byte
        assert entry in new
    # This library reads back exactly what was written...
    initial = config.tracker or TrackerSection()  # `tracker:` alone reads as no section
    reread = parse_config_bytes(REPO, new.encode("utf-8")).tracker or TrackerSection()
    assert managed(reread) == expected_section(initial, changes)
    assert reread.extra == initial.extra
    # ...and so does spec-kitty's reader, independently.
    after = ruamel_load(new)
    tracker = dict(after.get("tracker") or {})
    for key, value in changes.items():
        got = tracker[key]
        if key == "provider":  # an equal value (by the model) keeps its text
            assert got.strip().lower() == value.strip().lower()
        elif key == "provider_context":
            assert dict(got or {}) == (value or {})
        else:
            assert got == value
    for key in before:
        if key != "tracker":
            assert after[key] == before[key]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(changes_strategy, min_size=1, max_size=4), base=st.sampled_from(BASES))
def test_successive_writes_on_disk_accumulate(steps, base):
    with tempfile.TemporaryDirectory() as folder:
        repo = make_repo(Path(folder), base)
        config = load_config(repo)
        expected = expected_section(None, {})
        for changes in steps:
            config = write_tracker(config, changes)
            written = expected_section(None, changes)
            expected.update({key: written[key] for key in changes})
            section = config.tracker or TrackerSection()  # no section until a key is written
            assert managed(section) == expected
            assert load_config(repo) == config
        assert config_bytes(repo).startswith(base.encode("utf-8"))


identity_text = nasty.filter(lambda s: s.strip() != "")


@settings(max_examples=100, deadline=None)
@given(
    fields=st.tuples(identity_text, identity_text, identity_text),
    extra=st.tuples(st.one_of(st.none(), identity_text), st.one_of(st.none(), identity_text)),
    base=st.sampled_from([b for b in BASES if "project:" not in b]),
)
def test_derived_project_identity_reads_back(fields, extra, base):
    identity = ProjectIdentity(*fields, *extra)
    config = parse_config_bytes(REPO, base.encode("utf-8"))

    _, new = render_tracker_update(config, {"provider": "linear"}, project=identity)

    assert new.startswith(base)
    assert parse_config_bytes(REPO, new.encode("utf-8")).project == identity
    project = ruamel_load(new)["project"]
    assert [project.get(k) for k in ("uuid", "slug", "node_id", "build_id", "repo_slug")] == [
        *fields,
        *extra,
    ]
