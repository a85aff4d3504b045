"""Reading `.kittify/config.yaml` into the model (DESIGN §3)."""

from __future__ import annotations

import pytest

from tests.core.config_support import make_repo
from tracker_core.config.config_io import (
    config_path,
    load_config,
    parse_config_bytes,
    scan_config,
)
from tracker_core.config.config_model import TrackerSection
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import ConfigError

DESIGN_EXAMPLE = """\
project:                      # ProjectIdentity
  uuid: 8a4a7da6-a97c-4bb4-893a-b31664abfee4
  slug: my-project
  node_id: d036a097a835       # sha256("hostname:user")[:12]
  build_id: b-1
  repo_slug: acme/my-project  # optional user override
tracker:
  provider: linear
  binding_ref: srm_01HXYZ    # primary routing key (post-bind)
  project_slug: my-project    # legacy routing key, kept
  display_label: "My Project (LINEAR-123)"   # cached from host
  provider_context:           # cached from host, display only
    team_name: Engineering
    workspace_name: Acme Corp
  workspace: null             # local providers only
  doctrine:
    mode: external_authoritative
    field_owners: {}
  egress: refused
  some_future_field: kept
"""


def test_design_example_reads_every_field(tmp_path):
    repo = make_repo(tmp_path, DESIGN_EXAMPLE)
    config = load_config(repo)

    assert config.exists and config.path == repo / ".kittify" / "config.yaml"
    assert config.project == ProjectIdentity(
        uuid="8a4a7da6-a97c-4bb4-893a-b31664abfee4",
        slug="my-project",
        node_id="d036a097a835",
        build_id="b-1",
        repo_slug="acme/my-project",
    )
    assert config.tracker == TrackerSection(
        provider="linear",
        binding_ref="srm_01HXYZ",
        project_slug="my-project",
        display_label="My Project (LINEAR-123)",
        provider_context={"team_name": "Engineering", "workspace_name": "Acme Corp"},
        workspace=None,
        ownership_key="doctrine",
        ownership={"mode": "external_authoritative", "field_owners": {}},
        extra={"egress": "refused", "some_future_field": "kept"},
    )
    assert config.tracker.routing_key == "binding_ref"
    assert config.tracker.is_configured
    assert len(config.fingerprint or "") == 64


def test_fast_and_full_readers_agree(tmp_path):
    repo = make_repo(tmp_path, DESIGN_EXAMPLE)
    data = config_path(repo).read_bytes()
    assert parse_config_bytes(repo, data) == load_config(repo) == scan_config(repo)


def test_newer_ownership_block_is_read(tmp_path):
    text = "tracker:\n  provider: jira\n  project_slug: p\n  ownership:\n    mode: local\n"
    tracker = load_config(make_repo(tmp_path, text)).tracker
    assert tracker is not None
    assert tracker.ownership_key == "ownership"
    assert tracker.ownership == {"mode": "local"}


@pytest.mark.parametrize(
    ("body", "routing", "configured"),
    [
        ("  provider: linear\n  binding_ref: srm_1\n  project_slug: old\n", "binding_ref", True),
        ("  provider: linear\n  binding_ref: null\n  project_slug: old\n", "project_slug", True),
        ("  provider: linear\n", None, False),
        ("  binding_ref: srm_1\n", "binding_ref", False),
        ("  provider: linear\n  binding_ref: ''\n", None, False),
    ],
)
def test_routing_key_prefers_binding_ref_then_legacy_slug(tmp_path, body, routing, configured):
    tracker = load_config(make_repo(tmp_path, "tracker:\n" + body)).tracker
    assert tracker is not None
    assert tracker.routing_key == routing
    assert tracker.is_configured is configured


def test_provider_is_normalized_to_lower_case(tmp_path):
    tracker = load_config(make_repo(tmp_path, "tracker:\n  provider: ' GitHub '\n")).tracker
    assert tracker is not None and tracker.provider == "github"


def test_repo_without_config_file_loads_as_missing(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    config = load_config(repo)
    assert (config.exists, config.project, config.tracker, config.fingerprint) == (
        False,
        None,
        None,
        None,
    )
    assert config.path == repo / ".kittify" / "config.yaml"


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "~\n"])
def test_empty_config_is_an_empty_mapping(tmp_path, text):
    config = load_config(make_repo(tmp_path, text))
    assert config.exists and config.project is None and config.tracker is None


@pytest.mark.parametrize("header", ["tracker:\n", "tracker: null\n", "tracker: ~  # later\n"])
def test_null_tracker_section_means_no_section(tmp_path, header):
    assert load_config(make_repo(tmp_path, "vcs:\n  type: git\n" + header)).tracker is None


def test_plain_scalars_are_typed_as_spec_kitty_reads_them(tmp_path):
    # YAML 1.2 (ruamel.yaml, spec-kitty's reader): `yes`/`on` are strings, not booleans.
    text = "tracker:\n  provider: linear\n  display_label: yes\n  workspace: on\n  x: 0o17\n"
    tracker = load_config(make_repo(tmp_path, text)).tracker
    assert tracker is not None
    assert (tracker.display_label, tracker.workspace) == ("yes", "on")
    assert tracker.extra == {"x": 15}


def test_numeric_identity_is_refused_and_quoted_keeps_its_text(tmp_path):
    # spec-kitty reads 012345678901 as a number: sending its text would be another id.
    text = "project:\n  uuid: u-1\n  slug: a\n  node_id: 012345678901\n"
    with pytest.raises(ConfigError, match='quote it: node_id: "012345678901"') as caught:
        load_config(make_repo(tmp_path / "a", text))
    assert caught.value.code == "identity-type"
    text = "project:\n  uuid: u-1\n  slug: '2048'\n  node_id: \"012345678901\"\n"
    project = load_config(make_repo(tmp_path / "b", text)).project
    assert project == ProjectIdentity(uuid="u-1", slug="2048", node_id="012345678901")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("project:\n  slug: a\n  node_id: b\n", "project.uuid is missing"),
        ("project:\n  uuid: 12\n  slug: a\n  node_id: b\n", "project.uuid must be a string"),
        ("project:\n  uuid: ''\n  slug: a\n  node_id: b\n", "project.uuid is empty"),
        ("project:\n  uuid: u\n  node_id: b\n", "project.slug is missing"),
        ("project:\n  uuid: u\n  slug: [a]\n  node_id: b\n", "project.slug must be"),
        ("project: [1, 2]\n", "project: is a list, not a mapping"),
    ],
)
def test_bad_project_section_is_reported(tmp_path, text, reason):
    repo = make_repo(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(repo)
    assert reason in caught.value.reason
    assert caught.value.path == str(config_path(repo))
