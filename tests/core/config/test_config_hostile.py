"""Configs a repo may hold that must be reported, never trusted and never overwritten."""

from __future__ import annotations

import os

import pytest

from tests.core.config_support import config_bytes, make_repo
from tracker_core.config.config_io import (
    MAX_CONFIG_BYTES,
    config_path,
    load_config,
    parse_config_bytes,
    scan_config,
    write_tracker,
)
from tracker_core.config.config_model import TrackerProjectConfig
from tracker_core.errors import ConfigConflictError, ConfigError

BILLION_LAUGHS = (
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "tracker: *g\n"
)

HOSTILE: dict[str, tuple[bytes, str]] = {
    "broken YAML": (b"vcs:\n  type: git\n tracker: [\n", "invalid YAML"),
    "unclosed quote": (b'tracker:\n  provider: "linear\n', "invalid YAML"),
    "tab indentation": (b"tracker:\n\tprovider: linear\n", "tab used for indentation (line 2)"),
    "tab after spaces": (
        b"tracker:\n  provider: linear\n \tbinding_ref: x\n",
        "tab used for indentation (line 3)",
    ),
    "duplicate top-level key": (
        b"tracker:\n  provider: linear\ntracker:\n  provider: jira\n",
        "duplicate key 'tracker' (line 3)",
    ),
    "duplicate tracker key": (
        b"tracker:\n  binding_ref: a\n  binding_ref: b\n",
        "duplicate key 'binding_ref' (line 3)",
    ),
    "tracker is a list": (b"tracker:\n- provider: linear\n", "tracker: is a list, not a mapping"),
    "tracker is a string": (b"tracker: linear\n", "tracker: is a string, not a mapping"),
    "provider is a number": (
        b"tracker:\n  provider: 3\n",
        "tracker.provider must be a string, not a number",
    ),
    "binding_ref is a mapping": (
        b"tracker:\n  binding_ref: {a: 1}\n",
        "tracker.binding_ref must be a string, not a mapping",
    ),
    "display_label is a date": (
        b"tracker:\n  display_label: 2024-01-01\n",
        "tracker.display_label must be a string, not a date",
    ),
    "provider_context is a list": (
        b"tracker:\n  provider_context: [a, b]\n",
        "tracker.provider_context must be a mapping, not a list",
    ),
    "provider_context value is a number": (
        b"tracker:\n  provider_context:\n    team_id: 42\n",
        "tracker.provider_context.team_id must be a string, not a number",
    ),
    "doctrine is a string": (
        b"tracker:\n  doctrine: strict\n",
        "tracker.doctrine must be a mapping, not a string",
    ),
    "merge key in tracker": (
        b"base: &b {provider: linear}\ntracker:\n  <<: *b\n",
        "tracker: uses a YAML merge key",
    ),
    # YAML readers resolve merges: spec-kitty would see a binding the keys do not show.
    "merge key brings in tracker": (
        b"base: &b\n  tracker:\n    provider: linear\n    binding_ref: srm_X\n<<: *b\n",
        "tracker: comes from a YAML merge key",
    ),
    "merge list brings in project": (
        b"a: &a {vcs: {type: git}}\nb: &b {project: {uuid: u, slug: s, node_id: n}}\n"
        b"<<: [*a, *b]\n",
        "project: comes from a YAML merge key",
    ),
    "merge key in project": (
        b"base: &b {uuid: u, slug: s, node_id: n}\nproject:\n  <<: *b\n",
        "project: uses a YAML merge key",
    ),
    # Identity values YAML reads as numbers: ruamel.yaml 123, PyYAML 83.
    "node_id with leading zeros": (
        b"project:\n  uuid: u-1\n  slug: s\n  node_id: 000123\n",
        'YAML reads 000123 as a number; quote it: node_id: "000123"',
    ),
    "all-digit node_id": (
        b"project:\n  uuid: u-1\n  slug: s\n  node_id: 123456789012\n",
        'quote it: node_id: "123456789012"',
    ),
    "slug is a float": (
        b"project:\n  uuid: u-1\n  slug: 1.10\n  node_id: n\n",
        'quote it: slug: "1.10"',
    ),
    "build_id is a boolean": (
        b"project:\n  uuid: u-1\n  slug: s\n  node_id: n\n  build_id: true\n",
        'quote it: build_id: "true"',
    ),
    "project uuid is a number": (
        b"project:\n  uuid: 1234\n  slug: a\n  node_id: b\n",
        "project.uuid must be a string, not a number",
    ),
    "top level is a list": (b"- vcs\n- agents\n", "the top level is a list, not a mapping"),
    "top level is a string": (b"just some text\n", "the top level is a string, not a mapping"),
    "two documents": (b"vcs: {}\n---\ntracker: {}\n", "more than one YAML document"),
    "alias bomb": (BILLION_LAUGHS.encode(), "alias bomb"),
    "recursive alias": (b"tracker: &t\n  self: *t\n", "recursive"),
    "undefined alias": (b"tracker: *nowhere\n", "refers to no anchor"),
    # libyaml's own composer recurses in C and kills the process on this.
    "deep nesting": (b"tracker: " + b"[" * 200_000 + b"]" * 200_000 + b"\n", "nested deeper"),
    "deep block nesting": (
        b"".join(b" " * i + b"k:\n" for i in range(0, 400, 2)) + b"  " * 200 + b"v\n",
        "nested deeper",
    ),
    "NUL bytes": (b"vcs:\n  type: git\n\x00\x00\x00binary", "contains NUL bytes"),
    "binary data": (bytes(range(256)) * 8, "contains NUL bytes"),
    "not UTF-8": ("tracker:\n  display_label: Café\n".encode("latin-1"), "not UTF-8 text"),
    "UTF-16": ("tracker:\n  provider: linear\n".encode("utf-16"), "contains NUL bytes"),
    "control character": (b"tracker:\n  provider: lin\x07ear\n", "U+0007"),
    "unicode line separator": (
        "tracker:\n  display_label: a\u2028b: c\n".encode(),
        "U+2028, a line break YAML readers disagree on",
    ),
    "too large": (
        b"vcs:\n  type: git\n" + b"# padding\n" * (MAX_CONFIG_BYTES // 10 + 1),
        "larger than the 1 MiB limit (1,048,597 bytes)",
    ),
}


@pytest.mark.parametrize(("data", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_config_is_reported_and_never_overwritten(tmp_path, data, reason):
    repo = make_repo(tmp_path, data)
    path = str(config_path(repo))

    for read in (load_config, scan_config, lambda r: parse_config_bytes(r, data)):
        with pytest.raises(ConfigError) as caught:
            read(repo)
        assert caught.value.path == path
        assert reason in caught.value.reason
        assert str(caught.value) == f"{path}: {caught.value.reason}"
        assert "\n" not in str(caught.value) and len(caught.value.reason) < 200

    # No config object exists for it; a write based on any other view is a conflict.
    for stale in (
        TrackerProjectConfig(repo, config_path(repo), False, None, None, None),
        TrackerProjectConfig(repo, config_path(repo), True, None, None, "0" * 64),
    ):
        with pytest.raises(ConfigConflictError):
            write_tracker(stale, {"provider": "linear", "binding_ref": "srm_1"})
    assert config_bytes(repo) == data


def test_config_broken_after_it_was_read_is_left_alone(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  provider: linear\n")
    config = load_config(repo)
    broken = b"tracker:\n  provider: linear\n  binding_ref: [unclosed\n"
    config_path(repo).write_bytes(broken)

    with pytest.raises(ConfigConflictError):
        write_tracker(config, {"binding_ref": "srm_1"})
    assert config_bytes(repo) == broken


def test_ten_megabyte_file_is_reported_without_reading_it_all(tmp_path):
    repo = make_repo(tmp_path, b"vcs:\n  type: git\n" + b"#" * (10 * 1024 * 1024))
    with pytest.raises(ConfigError, match=r"larger than the 1 MiB limit \(10,485,777 bytes\)"):
        load_config(repo)
    assert len(config_bytes(repo)) == 10 * 1024 * 1024 + 17


def test_fifo_in_place_of_the_config_does_not_hang_the_reader(tmp_path):
    repo = make_repo(tmp_path, None)
    os.mkfifo(config_path(repo))
    with pytest.raises(ConfigError, match="not a regular file"):
        scan_config(repo)


def test_folder_in_place_of_the_config_is_reported(tmp_path):
    repo = make_repo(tmp_path, None)
    config_path(repo).mkdir()
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(repo)


def test_kittify_as_a_file_is_reported(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".kittify").write_text("not a folder")
    with pytest.raises(ConfigError, match=r"\.kittify is not a folder"):
        load_config(repo)


def test_symlink_pointing_outside_the_roots_is_flagged_for_callers(tmp_path):
    secret = tmp_path / "elsewhere" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text("tracker:\n  provider: linear\n")
    repo = make_repo(tmp_path / "roots", None)
    config_path(repo).symlink_to(secret)

    config = scan_config(repo)

    assert config.symlinked
    assert config.path.resolve() == secret.resolve()
    assert not config.path.resolve().is_relative_to((tmp_path / "roots").resolve())


def test_bom_is_accepted_not_an_error(tmp_path):
    # A byte-order mark is valid YAML and spec-kitty reads such files: not misconfigured.
    repo = make_repo(tmp_path, "\ufefftracker:\n  provider: linear\n")
    config = load_config(repo)
    assert config.tracker is not None and config.tracker.provider == "linear"
    write_tracker(config, {"binding_ref": "srm_1"})
    expected = "\ufefftracker:\n  provider: linear\n  binding_ref: srm_1\n"
    assert config_bytes(repo) == expected.encode("utf-8")


MERGE_AND_TYPE_CODES = {
    "merge key brings in tracker": "merge-key",
    "merge list brings in project": "merge-key",
    "merge key in tracker": "merge-key",
    "merge key in project": "merge-key",
    "node_id with leading zeros": "identity-type",
    "all-digit node_id": "identity-type",
    "slug is a float": "identity-type",
    "build_id is a boolean": "identity-type",
    "project uuid is a number": "identity-type",
}


@pytest.mark.parametrize("name", MERGE_AND_TYPE_CODES)
def test_what_yaml_reads_differently_is_refused_with_its_code(tmp_path, name):
    data = HOSTILE[name][0]
    with pytest.raises(ConfigError) as caught:
        load_config(make_repo(tmp_path, data))
    assert caught.value.code == MERGE_AND_TYPE_CODES[name]


def test_the_refused_files_are_ones_yaml_readers_read_differently():
    """Why they are refused: both YAML readers see a binding the explicit keys do not
    show, and read an identity that is not the text in the file."""
    import yaml
    from ruamel.yaml import YAML

    merged = HOSTILE["merge key brings in tracker"][0].decode()
    for loaded in (yaml.safe_load(merged), YAML(typ="rt").load(merged)):
        assert loaded["tracker"]["binding_ref"] == "srm_X"
    zeros = HOSTILE["node_id with leading zeros"][0].decode()
    assert yaml.safe_load(zeros)["project"]["node_id"] == 83
    assert YAML(typ="rt").load(zeros)["project"]["node_id"] == 123


def test_a_quoted_identity_and_a_merge_of_other_sections_are_read(tmp_path):
    repo = make_repo(
        tmp_path,
        b'base: &b {type: git}\nvcs:\n  <<: *b\nproject:\n  uuid: u-1\n  slug: "1.10"\n'
        b'  node_id: "000123"\n',
    )
    project = load_config(repo).project
    assert project is not None and (project.slug, project.node_id) == ("1.10", "000123")
    # A bind into it quotes what it writes and keeps the merge it does not touch.
    written = write_tracker(load_config(repo), {"provider": "linear", "binding_ref": "srm_1"})
    assert written.tracker is not None and written.tracker.binding_ref == "srm_1"
    assert config_bytes(repo).startswith(b"base: &b {type: git}\nvcs:\n  <<: *b\n")
