"""tracker_core.local.scan: what the walk already saw is used, never trusted over
the file: symlinks are still told apart, a config read once for several places
still names each place, and a file changed since the walk is read as it is now."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.repos import COMMON, make_repo, project_section
from tracker_core.local.repo_cache import RepoScanCache
from tracker_core.local.scan import read_repo, scan_roots
from tracker_core.local.walk import walk_roots

CONFIG = project_section("web", "11111111-2222-4333-8444-555555555555") + COMMON
BROKEN = project_section("web", "11111111-2222-4333-8444-555555555555") + "tracker: [linear\n"


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def test_one_config_in_several_places_names_each_place(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        make_repo(tmp_path, name, CONFIG)
    for name in ("x", "y"):
        make_repo(tmp_path, name, BROKEN)
    repos = {r.name: r for r in scan_roots([tmp_path])}
    assert sorted(repos) == ["a", "b", "c", "x", "y"]
    for name in ("a", "b", "c"):
        config = repos[name].config
        assert config is not None and repos[name].error is None
        assert config.repo == tmp_path.resolve() / name
        assert config.path == tmp_path.resolve() / name / ".kittify" / "config.yaml"
        assert config.project is not None and config.project.slug == "web"
    for name in ("x", "y"):
        error = repos[name].error
        assert repos[name].config is None and error is not None
        assert error.code == "unparseable"
        assert error.path == str(tmp_path.resolve() / name / ".kittify" / "config.yaml")


def test_a_worktree_reads_its_own_file_and_knows_its_main_checkout(tmp_path: Path) -> None:
    main = tmp_path / "web"
    _git("init", "-q", "-b", "main", str(main))
    (main / ".kittify").mkdir()
    (main / ".kittify" / "config.yaml").write_text(CONFIG)
    _git("-C", str(main), "add", "-A")
    _git("-C", str(main), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "init")
    lane = main / ".worktrees" / "m-lane-a"
    _git("-C", str(main), "worktree", "add", "-q", "-b", "kitty/m-lane-a", str(lane))
    repos = {r.name: r for r in scan_roots([tmp_path])}
    assert sorted(repos) == ["web", "web/.worktrees/m-lane-a"]
    worktree = repos["web/.worktrees/m-lane-a"]
    assert worktree.config is not None and worktree.config.path.parent.parent == lane.resolve()
    assert worktree.git is not None and worktree.git.main_top == main.resolve()
    assert worktree.git.branch == "kitty/m-lane-a"
    main_repo = repos["web"]
    assert main_repo.git is not None and not main_repo.git.is_worktree
    assert main_repo.git.branch == "main"


def test_a_symlinked_kittify_is_read_but_flagged(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shared = root / "shared-kittify"
    shared.mkdir(parents=True)
    (shared / "config.yaml").write_text(CONFIG)
    repo = make_repo(root, "linked", None)
    (repo / ".kittify").symlink_to(shared, target_is_directory=True)
    [local] = scan_roots([root])
    assert local.name == "linked"
    assert local.config is not None and local.config.symlinked
    # The same answer for one repo read on its own (status reads it this way).
    alone = read_repo(repo.resolve(), [root.resolve()])
    assert alone.config is not None and alone.config.symlinked


def test_a_symlinked_kittify_to_outside_the_roots_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.yaml").write_text(CONFIG.replace("web", "srm_SECRET"))
    repo = make_repo(root, "escape", None)
    (repo / ".kittify").symlink_to(outside, target_is_directory=True)
    [local] = scan_roots([root])
    assert local.config is None and local.error is not None
    assert local.error.code == "symlink" and "srm_SECRET" not in str(local.error)


def test_a_config_replaced_after_the_walk_is_read_as_it_is_now(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "web", CONFIG)
    config = repo / ".kittify" / "config.yaml"
    cache = RepoScanCache([tmp_path])
    assert cache.snapshot().repos[0].config is not None
    # The walk is kept; the config becomes a symlink to a file outside the roots.
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(CONFIG)
    os.replace(config, tmp_path / "old.yaml")
    config.symlink_to(outside)
    (local,) = cache.snapshot().repos
    assert local.config is None and local.error is not None and local.error.code == "symlink"


def test_a_kittify_without_a_config_file_is_not_a_project(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "half", None)
    (repo / ".kittify").mkdir()
    (repo / ".kittify" / "config.yaml").mkdir()  # a folder where the file would be
    dangling = make_repo(tmp_path, "dangling", None)
    (dangling / ".kittify").mkdir()
    (dangling / ".kittify" / "config.yaml").symlink_to(tmp_path / "nowhere.yaml")
    walked = walk_roots([tmp_path])
    assert walked.projects == []
    assert [p.name for p in walked.report.git_repos] == ["dangling", "half"]
