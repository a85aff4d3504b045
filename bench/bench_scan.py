"""Scan and parse of N repos: ``scan_roots`` (a walk that enters every folder but
environments, caches and VCS internals, with the fast safe reader) against a naive
walk into every folder with the round-trip YAML reader, and against the floor of
finding the same files and reading their bytes without parsing them. One repo in ten
has a spec-kitty worktree under ``.worktrees/``, which the scan enters.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from common import Figure, main_for, median_time
from ruamel.yaml import YAML
from workload import installation, mappings_needed, write_repos

from tracker_core.local.grouping import relate
from tracker_core.local.scan import find_repos, scan_roots

TARGET_SECONDS = 2.0
CONFIG = os.path.join(".kittify", "config.yaml")


def naive_scan(root: Path) -> int:
    """Walk into every folder and parse each config with ruamel.yaml's round-trip
    reader (what writing needs, not what reading needs)."""
    parsed = 0
    for folder, dirs, _files in os.walk(root):
        if ".kittify" in dirs:
            path = os.path.join(folder, CONFIG)
            try:
                with open(path, encoding="utf-8") as handle:
                    YAML(typ="rt").load(handle.read())
                parsed += 1
            except Exception:  # broken configs are part of the workload
                continue
    return parsed


def read_floor(root: Path) -> int:
    """Find the repos and read every config's bytes: the I/O a scan cannot avoid."""
    total = 0
    for repo in find_repos([root]):
        try:
            total += len((repo / CONFIG).read_bytes())
        except OSError:
            continue
    return total


def add_worktrees(root: Path, every: int = 10) -> int:
    """A worktree (a ``.git`` file, the main repo's admin folder for it and the
    committed config) in every ``every``-th repo."""
    added = 0
    for i, config in enumerate(sorted(root.glob("group-*/repo-*/.kittify/config.yaml"))):
        if i % every:
            continue
        repo = config.parent.parent
        lane = repo / ".worktrees" / "mission-lane-a"
        (lane / ".kittify").mkdir(parents=True)
        (lane / ".git").write_text("gitdir: ../../.git/worktrees/mission-lane-a\n")
        # The main repo's side of the worktree, as `git worktree add` leaves it: without
        # it the lane looks like a stranger holding the same project (a conflict).
        admin = repo / ".git" / "worktrees" / "mission-lane-a"
        admin.mkdir(parents=True)
        (admin / "commondir").write_text("../..\n")
        (admin / "gitdir").write_text(f"{lane / '.git'}\n")
        (admin / "HEAD").write_text("ref: refs/heads/mission-lane-a\n")
        (lane / ".kittify" / "config.yaml").write_bytes(config.read_bytes())
        added += 1
    return added


def run(tiny: bool = False) -> list[Figure]:
    n = 50 if tiny else 5000
    repeat = 1 if tiny else 3
    with tempfile.TemporaryDirectory(prefix="sk-bench-scan-") as tmp:
        root = Path(tmp)
        write_repos(root, n, installation(20_000, mapped=mappings_needed(n)))
        worktrees = add_worktrees(root)
        found = scan_roots([root])
        assert len(found) == n + worktrees, f"scan found {len(found)}, expected {n + worktrees}"
        lanes = sum(1 for r in relate(found).values() if r.worktree_of is not None)
        assert lanes == worktrees, f"{lanes} of {worktrees} worktrees known as worktrees"
        measured = median_time(lambda: scan_roots([root]), repeat)
        floor = median_time(lambda: read_floor(root), repeat)
        naive = median_time(lambda: naive_scan(root), 1)
    return [
        Figure(
            name=f"scan and parse, {n:,} repos + {worktrees:,} worktrees",
            measured=measured,
            unit="s",
            baseline=naive,
            baseline_label="(full walk, round-trip reader)",
            ideal=floor,
            ideal_label="(find + read bytes, no parsing)",
            target=f"< {TARGET_SECONDS:.0f} s",
            passed=measured < TARGET_SECONDS,
            note=(
                "every folder is entered (hidden ones, .worktrees/, build/) except a "
                "virtualenv with an ordinary name (its pyvenv.cfg), caches (CACHEDIR.TAG), "
                "VCS internals and node_modules (reported); one process, no pool"
            ),
        )
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
