"""Writing the tracker keys: only they change, atomically, never over someone's edit."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest

from tests.core.config_support import BINDING, config_bytes, make_repo
from tracker_core.config.config_io import (
    config_diff,
    config_path,
    load_config,
    render_tracker_update,
    scan_config,
    write_tracker,
)
from tracker_core.config.file_lock import ConfigLockError, config_lock, lock_dir, lock_path_for
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import (
    ConfigConflictError,
    ConfigError,
    PathNotAllowedError,
    UsageError,
)

RICH = """\
# Managed by spec-kitty; the tracker keys by sk-tracker.
vcs:
  type: git
tracker:
  # where issues go
  provider: linear
  project_slug: legacy-slug   # kept for old CLIs
  display_label: 'Old label'
  provider_context:
    team_name: Old team
  workspace:
  doctrine:
    mode: external_authoritative
    field_owners: {}
  egress: refused
  quoted_egress: "refused"
  some_future_field: [1, {a: b}]

# merge settings belong to spec-kitty
merge:
  strategy: squash
"""


def write(repo, changes, **kw):
    return write_tracker(load_config(repo), changes, **kw)


def test_existing_section_is_patched_in_place(tmp_path):
    repo = make_repo(tmp_path, RICH)
    written = write(repo, BINDING)

    assert (
        config_bytes(repo).decode()
        == """\
# Managed by spec-kitty; the tracker keys by sk-tracker.
vcs:
  type: git
tracker:
  # where issues go
  provider: linear
  binding_ref: srm_01HXYZABCDEF
  project_slug: my-project   # kept for old CLIs
  display_label: "My \\"Project\\": LIN-123 # main"
  provider_context:
    team_name: Engineering
    workspace_name: Acme Corp
  workspace:
  doctrine:
    mode: external_authoritative
    field_owners: {}
  egress: refused
  quoted_egress: "refused"
  some_future_field: [1, {a: b}]

# merge settings belong to spec-kitty
merge:
  strategy: squash
"""
    )
    assert written.tracker is not None
    assert written.tracker.extra == {
        "egress": "refused",
        "quoted_egress": "refused",
        "some_future_field": [1, {"a": "b"}],
    }
    assert written.tracker.ownership_key == "doctrine"


def test_ownership_block_is_kept_as_ownership(tmp_path):
    text = "tracker:\n  provider: jira\n  ownership:\n    mode: local  # x\n  egress: refused\n"
    repo = make_repo(tmp_path, text)
    write(repo, {"binding_ref": "srm_9"})
    assert config_bytes(repo).decode() == (
        "tracker:\n  provider: jira\n  binding_ref: srm_9\n"
        "  ownership:\n    mode: local  # x\n  egress: refused\n"
    )
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.ownership == {"mode": "local"}


def test_legacy_top_level_doctrine_and_comments_survive(tmp_path):
    text = "vcs:\n  type: git\n# org-tier doctrine pack — internal\ndoctrine:\n  org:\n    packs:\n    - name: internal\n"  # noqa: E501
    repo = make_repo(tmp_path, text)
    write(repo, {"provider": "github", "binding_ref": "srm_1"})
    assert config_bytes(repo).decode() == text + (
        "tracker:\n  provider: github\n  binding_ref: srm_1\n"
    )


def test_unchanged_values_keep_their_text(tmp_path):
    # Same values, written differently than this tool would: nothing is rewritten.
    text = "tracker:\n  provider: Linear\n  binding_ref: 'srm_1'\n  provider_context:\n"
    repo = make_repo(tmp_path, text)
    before = os.stat(config_path(repo))
    written = write(repo, {"provider": "linear", "binding_ref": "srm_1", "provider_context": {}})
    assert config_bytes(repo).decode() == text
    assert os.stat(config_path(repo)).st_ino == before.st_ino  # not even replaced
    assert written.fingerprint == load_config(repo).fingerprint


def test_trailing_comment_stays_when_the_value_changes(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  binding_ref: srm_old   # bound by alice\n")
    write(repo, {"binding_ref": "srm_new"})
    assert config_bytes(repo) == b"tracker:\n  binding_ref: srm_new   # bound by alice\n"


def test_new_keys_go_next_to_their_neighbours(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  egress: refused\n  provider: gitlab\n  workspace: w\n")
    write(repo, {"binding_ref": "srm_1", "display_label": "Group / App"})
    assert config_bytes(repo).decode() == (
        "tracker:\n  egress: refused\n  provider: gitlab\n  binding_ref: srm_1\n"
        "  display_label: Group / App\n  workspace: w\n"
    )


def test_first_key_goes_at_the_top_of_a_section_of_unknown_keys(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  egress: refused\n")
    write(repo, {"provider": "jira", "project_slug": "p"})
    assert config_bytes(repo) == (
        b"tracker:\n  provider: jira\n  project_slug: p\n  egress: refused\n"
    )


def test_comment_above_the_next_section_stays_above_it(tmp_path):
    text = "tracker:\n  provider: jira\n# about merge\nmerge:\n  strategy: squash\n"
    repo = make_repo(tmp_path, text)
    write(repo, {"workspace": "team-a"})
    assert config_bytes(repo).decode() == (
        "tracker:\n  provider: jira\n  workspace: team-a\n"
        "# about merge\nmerge:\n  strategy: squash\n"
    )


@pytest.mark.parametrize(
    ("section", "header"),
    [
        ("tracker:\n", "tracker:\n"),
        ("tracker: null  # not bound yet\n", "tracker:  # not bound yet\n"),
        ("tracker: {}\n", "tracker:\n"),
    ],
)
def test_empty_tracker_section_is_filled_where_it_is(tmp_path, section, header):
    repo = make_repo(tmp_path, "vcs:\n  type: git\n" + section + "agents:\n  available: []\n")
    write(repo, {"provider": "linear", "binding_ref": "srm_1"})
    assert config_bytes(repo).decode() == (
        "vcs:\n  type: git\n"
        + header
        + "  provider: linear\n  binding_ref: srm_1\nagents:\n  available: []\n"
    )


def test_crlf_file_stays_crlf_everywhere(tmp_path):
    text = "vcs:\r\n  type: git\r\ntracker:\r\n  provider: linear\r\n  project_slug: p\r\n"
    repo = make_repo(tmp_path, text)
    write(repo, BINDING)
    data = config_bytes(repo)
    assert data.count(b"\n") == data.count(b"\r\n") == 11
    assert data.startswith(b"vcs:\r\n  type: git\r\ntracker:\r\n  provider: linear\r\n")
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == BINDING["binding_ref"]
    assert tracker.display_label == BINDING["display_label"]


def test_missing_final_newline_stays_missing(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git")
    write(repo, {"provider": "linear"})
    assert config_bytes(repo) == b"vcs:\n  type: git\ntracker:\n  provider: linear"
    write(repo, {"binding_ref": "srm_1", "provider_context": {"team_name": "T"}})
    assert config_bytes(repo) == (
        b"vcs:\n  type: git\ntracker:\n  provider: linear\n  binding_ref: srm_1\n"
        b"  provider_context:\n    team_name: T"
    )


def test_file_indentation_style_is_followed(tmp_path):
    text = "agents:\n    available:\n        - claude\nvcs:\n    type: git\n"
    repo = make_repo(tmp_path, text)
    write(repo, BINDING)
    assert config_bytes(repo).decode() == text + (
        "tracker:\n"
        "    provider: linear\n"
        "    binding_ref: srm_01HXYZABCDEF\n"
        "    project_slug: my-project\n"
        '    display_label: "My \\"Project\\": LIN-123 # main"\n'
        "    provider_context:\n"
        "        team_name: Engineering\n"
        "        workspace_name: Acme Corp\n"
        "    workspace: null\n"
    )


def test_provider_context_changes_between_block_empty_and_null(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  provider_context:\n    a: b\n  workspace: w\n")
    write(repo, {"provider_context": {}})
    assert config_bytes(repo) == b"tracker:\n  provider_context: {}\n  workspace: w\n"
    write(repo, {"provider_context": {"team_name": "x: y"}})
    assert config_bytes(repo) == (
        b'tracker:\n  provider_context:\n    team_name: "x: y"\n  workspace: w\n'
    )
    written = write(repo, {"provider_context": None})
    assert config_bytes(repo) == b"tracker:\n  provider_context: null\n  workspace: w\n"
    assert written.tracker is not None and written.tracker.provider_context == {}


def test_utf8_bom_and_non_ascii_are_kept(tmp_path):
    text = "\ufeff# Überblick — config\nvcs:\n  type: git\n"
    repo = make_repo(tmp_path, text)
    written = write(repo, {"provider": "linear", "display_label": "Équipe — Données"})
    assert config_bytes(repo).decode("utf-8") == text + (
        'tracker:\n  provider: linear\n  display_label: "Équipe — Données"\n'
    )
    assert written.tracker is not None and written.tracker.display_label == "Équipe — Données"


def test_project_section_is_added_only_when_missing(tmp_path):
    identity = ProjectIdentity(uuid="u-1", slug="my-app", node_id="123456789012")
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    written = write(repo, {"provider": "linear"}, project=identity)
    assert config_bytes(repo) == (
        b"vcs:\n  type: git\nproject:\n  uuid: u-1\n  slug: my-app\n"
        b'  node_id: "123456789012"\ntracker:\n  provider: linear\n'
    )
    assert written.project == identity

    other = ProjectIdentity(uuid="u-2", slug="other", node_id="n", repo_slug="acme/other")
    again = write(repo, {"binding_ref": "srm_1"}, project=other)
    assert again.project == identity
    assert b"u-2" not in config_bytes(repo)


def test_missing_config_is_created_with_its_folder(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    config = load_config(repo)
    identity = ProjectIdentity(uuid="u-1", slug="repo", node_id="abc")
    written = write_tracker(config, {"provider": "jira", "project_slug": "repo"}, project=identity)

    assert written.exists and written.project == identity
    assert config_bytes(repo) == (
        b"project:\n  uuid: u-1\n  slug: repo\n  node_id: abc\n"
        b"tracker:\n  provider: jira\n  project_slug: repo\n"
    )
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(config_path(repo)).st_mode) == 0o666 & ~umask


def test_file_mode_is_kept(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    os.chmod(config_path(repo), 0o640)
    write(repo, {"provider": "linear"})
    assert stat.S_IMODE(os.stat(config_path(repo)).st_mode) == 0o640


def test_write_leaves_no_lock_or_temp_file_in_the_repo(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    stale = repo / ".kittify" / ".config.yaml.0123456789ab.tmp"
    stale.write_text("half a write from a killed process")
    write(repo, BINDING)
    assert sorted(p.name for p in repo.rglob("*")) == [".kittify", "config.yaml"]


def test_write_based_on_a_changed_file_is_refused(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  provider: linear\n")
    first = load_config(repo)
    second = load_config(repo)
    write_tracker(first, {"binding_ref": "srm_first"})
    after_first = config_bytes(repo)

    with pytest.raises(ConfigConflictError) as caught:
        write_tracker(second, {"binding_ref": "srm_second"})

    assert config_bytes(repo) == after_first
    assert str(config_path(repo)) in str(caught.value)


def test_conflict_when_the_file_appeared_or_vanished(tmp_path):
    repo = make_repo(tmp_path, None)
    missing = load_config(repo)
    config_path(repo).write_text("vcs:\n  type: git\n")
    with pytest.raises(ConfigConflictError):
        write_tracker(missing, {"provider": "linear"})
    assert config_bytes(repo) == b"vcs:\n  type: git\n"

    present = load_config(repo)
    config_path(repo).unlink()
    with pytest.raises(ConfigConflictError):
        write_tracker(present, {"provider": "linear"})
    assert not config_path(repo).exists()


def test_diff_previews_without_writing(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  provider: linear\n  project_slug: p\n")
    config = load_config(repo)
    old, new = render_tracker_update(config, {"binding_ref": "srm_1"})
    diff = config_diff(config, {"binding_ref": "srm_1"})

    assert old == "tracker:\n  provider: linear\n  project_slug: p\n"
    assert new == "tracker:\n  provider: linear\n  binding_ref: srm_1\n  project_slug: p\n"
    assert diff.splitlines() == [
        "--- a/.kittify/config.yaml",
        "+++ b/.kittify/config.yaml",
        "@@ -1,3 +1,4 @@",
        " tracker:",
        "   provider: linear",
        "+  binding_ref: srm_1",
        "   project_slug: p",
    ]
    assert config_diff(config, {"provider": "linear"}) == ""
    assert config_bytes(repo) == old.encode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"egress": "allowed"}, "'egress' is not a tracker key"),
        ({"binding_ref": 12}, "tracker.binding_ref must be a string or None, not int"),
        ({"provider": "  "}, "tracker.provider must not be empty"),
        ({"provider_context": ["a"]}, "tracker.provider_context must be a mapping"),
        ({"provider_context": {"team": 1}}, "tracker.provider_context must map strings"),
        ({"display_label": "bad \ud800 text"}, "tracker.display_label is not valid Unicode"),
    ],
)
def test_bad_changes_are_usage_errors_and_write_nothing(tmp_path, changes, message):
    repo = make_repo(tmp_path, "tracker:\n  provider: linear\n")
    with pytest.raises(UsageError, match=message):
        write(repo, changes)
    assert config_bytes(repo) == b"tracker:\n  provider: linear\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tracker: {provider: linear}\n", "tracker: is written in flow style"),
        ("base: &b {x: 1}\ntracker:\n  provider: linear\n  o: *b\n", "anchors or aliases"),
        ("tracker:\n  ? provider\n  : linear\n", "key written in an unusual way"),
        ("{vcs: {type: git}}\n", "the top level is written in flow style"),
    ],
)
def test_layouts_that_cannot_be_patched_safely_are_refused(tmp_path, text, reason):
    repo = make_repo(tmp_path, text)
    config = load_config(repo)  # readable...
    with pytest.raises(ConfigError, match=reason):  # ...but not written by guesswork
        write_tracker(config, {"binding_ref": "srm_1"})
    assert config_bytes(repo) == text.encode()


def test_symlinked_config_is_read_and_flagged_but_never_written(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("tracker:\n  provider: linear\n")
    repo = make_repo(tmp_path, None)
    config_path(repo).symlink_to(outside)

    config = load_config(repo)
    assert config.symlinked and config.tracker is not None

    with pytest.raises(PathNotAllowedError, match="is a symlink"):
        write_tracker(config, {"binding_ref": "srm_1"})
    assert outside.read_text() == "tracker:\n  provider: linear\n"
    assert config_path(repo).is_symlink()


def test_symlinked_kittify_folder_is_never_written(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "config.yaml").write_text("vcs:\n  type: git\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".kittify").symlink_to(elsewhere, target_is_directory=True)

    config = scan_config(repo)
    assert config.symlinked and config.exists
    with pytest.raises(PathNotAllowedError, match=r"\.kittify is a symlink"):
        write_tracker(config, {"provider": "linear"})
    assert (elsewhere / "config.yaml").read_text() == "vcs:\n  type: git\n"


def test_symlink_swapped_in_after_reading_is_still_refused(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    config = load_config(repo)  # read as a regular file...
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(config_bytes(repo))
    config_path(repo).unlink()
    config_path(repo).symlink_to(outside)  # ...then swapped for a link, same bytes

    with pytest.raises(PathNotAllowedError, match="is a symlink"):
        write_tracker(config, {"provider": "linear"})
    assert outside.read_text() == "vcs:\n  type: git\n"


def test_nested_context_follows_the_sections_own_indent(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git\ntracker:\n    provider: linear\n")
    write(repo, {"provider_context": {"team_name": "T"}})
    assert config_bytes(repo) == (
        b"vcs:\n  type: git\ntracker:\n    provider: linear\n"
        b"    provider_context:\n        team_name: T\n"
    )


@pytest.mark.parametrize("egress", ["refused", '"refused"', "'refused'", "refused  # consent"])
def test_egress_consent_key_survives_byte_for_byte(tmp_path, egress):
    text = f"tracker:\n  provider: linear\n  egress: {egress}\n  binding_ref: srm_old\n"
    repo = make_repo(tmp_path, text)
    written = write(repo, {"binding_ref": "srm_new", "display_label": "L"})
    assert config_bytes(repo).decode() == (
        f"tracker:\n  provider: linear\n  egress: {egress}\n  binding_ref: srm_new\n"
        "  display_label: L\n"
    )
    assert written.tracker is not None and written.tracker.extra == {"egress": "refused"}


@pytest.mark.parametrize("section", ["project:\n", "project: {}\n", "project: null\n"])
def test_empty_project_section_is_filled_when_binding(tmp_path, section):
    identity = ProjectIdentity(uuid="u-1", slug="s", node_id="abc", build_id="b")
    repo = make_repo(tmp_path, "vcs:\n  type: git\n" + section)
    assert load_config(repo).project is None
    written = write(repo, {"provider": "linear"}, project=identity)
    assert written.project == identity
    assert config_bytes(repo) == (
        b"vcs:\n  type: git\nproject:\n  uuid: u-1\n  slug: s\n  node_id: abc\n  build_id: b\n"
        b"tracker:\n  provider: linear\n"
    )


def test_write_into_a_missing_repo_folder_is_a_clear_error(tmp_path):
    config = load_config(tmp_path / "gone")
    with pytest.raises(ConfigError, match="does not exist"):
        write_tracker(config, {"provider": "linear"})
    assert not (tmp_path / "gone").exists()


def test_write_waits_for_the_lock_then_gives_up_clearly(tmp_path):
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    config = load_config(repo)
    with config_lock(config_path(repo)), pytest.raises(ConfigLockError, match="another process"):
        write_tracker(config, {"provider": "linear"}, lock_timeout=0.2)
    assert config_bytes(repo) == b"vcs:\n  type: git\n"
    write_tracker(config, {"provider": "linear"})  # free again once released


def test_lock_files_live_outside_the_repo_in_a_private_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    write(repo, {"provider": "linear"})
    folder = lock_dir()
    assert folder.parent == tmp_path / "tmp"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert lock_path_for(config_path(repo)).exists()


@pytest.mark.parametrize("kind", ["symlink", "shared"])
def test_unsafe_lock_folder_is_refused(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    planted = tmp_path / "tmp" / f"sk-tracker-locks-{os.getuid()}"
    if kind == "symlink":
        (tmp_path / "attacker").mkdir()
        planted.symlink_to(tmp_path / "attacker")
    else:
        planted.mkdir()
        planted.chmod(0o777)
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    with pytest.raises(ConfigLockError, match="not a private folder"):
        write(repo, {"provider": "linear"})
    assert config_bytes(repo) == b"vcs:\n  type: git\n"


def test_identity_alone_can_be_persisted(tmp_path):
    identity = ProjectIdentity(uuid="u-1", slug="app", node_id="abc")
    repo = make_repo(tmp_path, "vcs:\n  type: git\n")
    written = write(repo, {}, project=identity)
    assert written.project == identity and written.tracker is None
    assert config_bytes(repo) == (
        b"vcs:\n  type: git\nproject:\n  uuid: u-1\n  slug: app\n  node_id: abc\n"
    )
