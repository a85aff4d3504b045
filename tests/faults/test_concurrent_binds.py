"""Two processes × 100 operations on one repo: re-binds through the host racing with
another writer's edits. Nothing is lost: the final file holds the last bind of one
and the last edit of the other, and parses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.host import HostHandle
from tests.support.repos import COMMON, make_repo, project_section, tracker_section
from tracker_core import load_config
from tracker_host import seed

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.serial
def test_binds_and_edits_racing_on_one_repo_lose_nothing(host: HostHandle, tmp_path: Path) -> None:
    u = seed.UNBOUND_PROJECT
    repo = make_repo(
        tmp_path,
        u.project_slug,
        project_section(u.project_slug, u.project_uuid) + COMMON + tracker_section("linear"),
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = [sys.executable, "-m", "tests.faults.race_worker"]
    binder = subprocess.Popen(
        [*worker, "bind", str(repo), host.url, host.admin_token, host.team, "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    writer = subprocess.Popen(
        [*worker, "write", str(repo), "100"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    outs = []
    for proc in (binder, writer):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        outs.append(json.loads(out))
    bound, written = outs
    assert bound["applied"] == 100 and written["applied"] == 100

    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == bound["last"]  # the last bind was not overwritten...
    assert tracker.workspace == "w-99"  # ...nor the last edit of the other process
    active = [
        m
        for m in host.mappings("linear")
        if m["project_uuid"] == u.project_uuid and m["status"] == "active"
    ]
    assert [m["binding_ref"] for m in active] == [bound["last"]]
