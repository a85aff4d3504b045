"""Every real config of the corpus survives a bind and a re-bind byte for byte."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml

from tests.core.config_support import (
    BINDING,
    CORPUS_FILES,
    config_bytes,
    lines_with_ends,
    make_repo,
)
from tracker_core.config.config_io import load_config, parse_config_bytes, write_tracker
from tracker_core.config.config_model import TrackerSection
from tracker_core.config.identity import ProjectIdentity


def test_corpus_is_there():
    # The corpus notes: 96 repos plus one historical variant, 3 of them CRLF.
    assert len(CORPUS_FILES) >= 90
    assert sum(b"\r\n" in path.read_bytes() for path in CORPUS_FILES) == 3


@pytest.mark.parametrize("source", CORPUS_FILES, ids=lambda path: path.stem)
def test_reader_matches_an_independent_parse(tmp_path, source):
    data = source.read_bytes()
    expected = yaml.safe_load(data.decode("utf-8"))["project"] if b"project:" in data else None
    config = parse_config_bytes(make_repo(tmp_path, data), data)
    assert config.tracker is None
    if expected is None:
        assert config.project is None
    else:
        assert config.project == ProjectIdentity(
            uuid=expected["uuid"],
            slug=expected["slug"],
            node_id=expected["node_id"],
            build_id=expected.get("build_id"),
        )


@pytest.mark.parametrize("source", CORPUS_FILES, ids=lambda path: path.stem)
def test_bind_then_rebind_keeps_every_byte_outside_the_tracker_keys(tmp_path, source):
    original = source.read_bytes()
    eol = b"\r\n" if b"\r\n" in original else b"\n"
    repo = make_repo(tmp_path, original)
    config = load_config(repo)

    bound = write_tracker(config, BINDING)

    data = config_bytes(repo)
    # A new section goes after the existing content, which is an exact prefix.
    assert data.startswith(original)
    added = data[len(original) :]
    assert added.startswith(b"tracker:" + eol)
    assert all(line.endswith(eol) for line in lines_with_ends(added))
    assert added.count(b"\r") == (added.count(b"\n") if eol == b"\r\n" else 0)
    # Reading back gives what was written, from disk, by both readers.
    expected = TrackerSection(
        provider="linear",
        binding_ref="srm_01HXYZABCDEF",
        project_slug="my-project",
        display_label='My "Project": LIN-123 # main',
        provider_context={"team_name": "Engineering", "workspace_name": "Acme Corp"},
        workspace=None,
    )
    reread = load_config(repo)
    assert reread.tracker == bound.tracker == expected
    assert reread.project == config.project
    assert reread.fingerprint == bound.fingerprint

    rebound = write_tracker(reread, {"binding_ref": "srm_02REBOUND"})

    after = lines_with_ends(config_bytes(repo))
    before = lines_with_ends(data)
    assert len(after) == len(before)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [
        (b"  binding_ref: srm_01HXYZABCDEF" + eol, b"  binding_ref: srm_02REBOUND" + eol)
    ]
    assert rebound.tracker == replace(expected, binding_ref="srm_02REBOUND")
    assert load_config(repo) == rebound
