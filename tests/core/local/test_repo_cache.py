"""tracker_core.local.repo_cache: a config is parsed again only when its file changed."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.repos import COMMON, make_repo, mapped_repo
from tracker_core.local.repo_cache import RepoScanCache
from tracker_host import seed


def test_unchanged_configs_are_not_read_again(tmp_path: Path) -> None:
    mapped_repo(tmp_path, seed.MY_PROJECT)
    make_repo(tmp_path, "plain", None)  # a git repo without a config: not a project
    cache = RepoScanCache([tmp_path])
    first = cache.snapshot()
    assert first.reread == 1
    assert [r.path.name for r in first.repos] == ["my-project"]
    assert [p.name for p in first.walk.git_repos] == ["plain"]
    again = cache.snapshot()
    assert again.reread == 0
    assert again.fingerprint == first.fingerprint
    assert again.repos == first.repos


def test_a_changed_config_is_read_again_and_changes_the_fingerprint(tmp_path: Path) -> None:
    repo = mapped_repo(tmp_path, seed.MY_PROJECT)
    other = mapped_repo(tmp_path, seed.DATA_PIPELINE)
    cache = RepoScanCache([tmp_path])
    first = cache.snapshot()
    config = repo / ".kittify" / "config.yaml"
    text = config.read_text()
    # Same size and mtime as before would hide an in-place edit; an atomic replace
    # (what every writer here does) gets a new inode, so it is still seen.
    stat = config.stat()
    replacement = config.with_suffix(".tmp")
    replacement.write_text(
        text.replace(seed.MY_PROJECT.binding_ref, seed.DATA_PIPELINE.binding_ref)
    )
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(replacement, config)
    second = cache.snapshot()
    assert second.reread == 1
    assert second.fingerprint != first.fingerprint
    tracker = next(r for r in second.repos if r.path == repo.resolve()).config.tracker
    assert tracker is not None and tracker.binding_ref == seed.DATA_PIPELINE.binding_ref
    assert next(r for r in second.repos if r.path == other.resolve()) in first.repos


def test_new_repos_appear_after_forget_repos(tmp_path: Path) -> None:
    cache = RepoScanCache([tmp_path])
    assert cache.snapshot().repos == ()
    make_repo(tmp_path, "late", "project:\n  uuid: u\n  slug: late\n  node_id: n\n" + COMMON)
    assert cache.snapshot().repos == ()  # the walk is kept until told otherwise
    cache.forget_repos()
    assert [r.path.name for r in cache.snapshot().repos] == ["late"]


def test_a_broken_config_is_reported_and_cached_like_any_other(tmp_path: Path) -> None:
    make_repo(tmp_path, "broken", "tracker: [\n")
    cache = RepoScanCache([tmp_path])
    (local,) = cache.snapshot().repos
    assert local.config is None and local.error is not None
    assert cache.snapshot().reread == 0


def test_the_walk_stamps_linked_configs_as_a_later_look_does(tmp_path: Path) -> None:
    """The first snapshot takes its stamps from the walk's own look at each config;
    a later one stats them again: a config reached through a link (the file or its
    ``.kittify`` folder) must stamp the same both ways, or it is parsed every time."""
    root = tmp_path / "repos"
    shared = tmp_path / "shared"
    (shared / "kittify").mkdir(parents=True)
    mapped_repo(root, seed.MY_PROJECT)
    source = root / "my-project" / ".kittify" / "config.yaml"
    linked_file = make_repo(root, "linked-file", None)
    (linked_file / ".kittify").mkdir()
    (shared / "config.yaml").write_bytes(source.read_bytes())
    (linked_file / ".kittify" / "config.yaml").symlink_to(shared / "config.yaml")
    linked_folder = make_repo(root, "linked-folder", None)
    (shared / "kittify" / "config.yaml").write_bytes(source.read_bytes())
    (linked_folder / ".kittify").symlink_to(shared / "kittify")
    cache = RepoScanCache([root, shared])
    first = cache.snapshot()
    assert sorted(r.path.name for r in first.repos) == [
        "linked-file",
        "linked-folder",
        "my-project",
    ]
    again = cache.snapshot()
    assert again.reread == 0
    assert again.fingerprint == first.fingerprint
