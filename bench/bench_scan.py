"""Scan and parse of N repos: ``scan_roots`` (pruned walk, fast safe reader) against a
naive walk into every folder with the round-trip YAML reader, and against the floor
of finding the same files and reading their bytes without parsing them.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from common import Figure, main_for, median_time
from ruamel.yaml import YAML
from workload import installation, mappings_needed, write_repos

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


def run(tiny: bool = False) -> list[Figure]:
    n = 50 if tiny else 5000
    repeat = 1 if tiny else 3
    with tempfile.TemporaryDirectory(prefix="sk-bench-scan-") as tmp:
        root = Path(tmp)
        write_repos(root, n, installation(20_000, mapped=mappings_needed(n)))
        found = scan_roots([root])
        assert len(found) == n, f"scan found {len(found)} repos, expected {n}"
        measured = median_time(lambda: scan_roots([root]), repeat)
        floor = median_time(lambda: read_floor(root), repeat)
        naive = median_time(lambda: naive_scan(root), 1)
    return [
        Figure(
            name=f"scan and parse, {n:,} repos",
            measured=measured,
            unit="s",
            baseline=naive,
            baseline_label="(full walk, round-trip reader)",
            ideal=floor,
            ideal_label="(find + read bytes, no parsing)",
            target=f"< {TARGET_SECONDS:.0f} s",
            passed=measured < TARGET_SECONDS,
            note=(
                "heavy folders in the tree (node_modules, hidden folders, a virtualenv "
                "with an ordinary name) are skipped; one process, no pool"
            ),
        )
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
