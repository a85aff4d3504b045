"""Writes stay inside the allowed root even when a folder on the way is swapped for a
symlink after the path was checked: the folders are opened from the root down
without following links."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tracker_core import AccessPolicy
from tracker_core.config import atomic_file
from tracker_core.config.config_io import config_path, load_config, write_tracker
from tracker_core.errors import ConfigError, PathNotAllowedError

CONFIG = b"project:\n  uuid: u-1\n  slug: app\n  node_id: n\nvcs:\n  type: git\n"


def layout(tmp_path: Path) -> tuple[Path, Path, Path]:
    """root/team/app (the repo) and, outside the root, evil/app with its own config."""
    root = tmp_path / "root"
    repo = root / "team" / "app"
    (repo / ".kittify").mkdir(parents=True)
    config_path(repo).write_bytes(CONFIG)
    outside = tmp_path / "evil"
    (outside / "app" / ".kittify").mkdir(parents=True)
    config_path(outside / "app").write_bytes(CONFIG)
    return root, repo, outside


def swap(folder: Path, target: Path) -> Path:
    """Replace ``folder`` by a symlink to ``target``; returns where the folder went."""
    kept = folder.with_name(folder.name + ".real")
    folder.rename(kept)
    folder.symlink_to(target, target_is_directory=True)
    return kept


@pytest.mark.parametrize("level", ["team", "app", ".kittify"])
def test_a_folder_swapped_after_the_check_is_refused(tmp_path: Path, level: str) -> None:
    root, repo, outside = layout(tmp_path)
    policy = AccessPolicy(allowed_roots=[root])
    allowed = policy.require_writable(repo)
    assert allowed == root.resolve()
    config = load_config(repo)
    folder = {"team": root / "team", "app": repo, ".kittify": repo / ".kittify"}[level]
    target = {"team": outside, "app": outside / "app", ".kittify": outside / "app" / ".kittify"}
    swap(folder, target[level])
    with pytest.raises(PathNotAllowedError, match=r"is a symlink|is outside"):
        write_tracker(config, {"provider": "linear", "binding_ref": "srm_1"}, root=allowed)
    assert config_path(outside / "app").read_bytes() == CONFIG
    # The walk itself, given the path as it was checked, stops at the link.
    with pytest.raises(atomic_file.SymlinkError):
        atomic_file.open_beneath(allowed, Path("team/app/.kittify"), create=True)


def test_without_the_root_the_swap_of_a_parent_would_have_escaped(tmp_path: Path) -> None:
    """What the root-down open prevents: the plain write follows a swapped parent."""
    root, repo, outside = layout(tmp_path)
    config = load_config(repo)
    swap(root / "team", outside)
    write_tracker(config, {"provider": "linear", "binding_ref": "srm_1"})
    assert b"srm_1" in config_path(outside / "app").read_bytes()


def test_a_write_inside_the_root_through_unswapped_folders_lands(tmp_path: Path) -> None:
    root, repo, _ = layout(tmp_path)
    allowed = AccessPolicy(allowed_roots=[root]).require_writable(repo)
    written = write_tracker(
        load_config(repo), {"provider": "linear", "binding_ref": "srm_1"}, root=allowed
    )
    assert written.tracker is not None and written.tracker.binding_ref == "srm_1"


def test_a_symlink_swap_raced_against_writes_never_escapes(tmp_path: Path) -> None:
    root, repo, outside = layout(tmp_path)
    policy = AccessPolicy(allowed_roots=[root])
    team = root / "team"
    stop = threading.Event()
    swaps = 0

    def swapper() -> None:
        nonlocal swaps
        kept = team.with_name("team.real")
        while not stop.is_set():
            team.rename(kept)
            team.symlink_to(outside, target_is_directory=True)
            os.sched_yield()
            team.unlink()
            kept.rename(team)
            swaps += 1
            stop.wait(0.001)  # leave the real folder in place now and then

    thread = threading.Thread(target=swapper)
    thread.start()
    outcomes: dict[str, int] = {"written": 0, "refused": 0}
    try:
        for n in range(3000):
            if outcomes["written"] >= 30 and swaps >= 30:
                break
            try:
                allowed = policy.require_writable(repo)
                config = load_config(repo)
                write_tracker(
                    config, {"provider": "linear", "binding_ref": f"srm_{n}"}, root=allowed
                )
                outcomes["written"] += 1
            except (PathNotAllowedError, ConfigError, OSError):
                outcomes["refused"] += 1
            except Exception as exc:  # a conflict: the file moved under the read
                outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
    finally:
        stop.set()
        thread.join()
    assert swaps > 0 and outcomes["written"] > 0, outcomes
    # Whatever the interleaving, nothing outside the root was touched.
    assert config_path(outside / "app").read_bytes() == CONFIG
    assert sorted(p.name for p in (outside / "app" / ".kittify").iterdir()) == ["config.yaml"]
