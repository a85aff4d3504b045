"""Re-binds through the host racing with another writer's edits of the same configs.
Nothing is lost: each file holds the last bind and the other writer's last edit, and
the host's binding is the one on disk."""

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


BINDERS = {
    "linear": ("Backend API (LINEAR-456)", "Mobile App (LINEAR-789)"),
    "jira": ("Operations (OPS)", "Website (WEB)"),
}


@pytest.mark.serial
def test_two_binders_and_a_writer_racing_end_with_every_host_binding_on_disk(
    host: HostHandle, tmp_path: Path
) -> None:
    """2 × 100 re-binds (one process per repo and provider) while a third process
    rewrites both configs 100 times: every bind lands on top of the other writer's
    edits, none ends on the host only."""
    u = seed.UNBOUND_PROJECT
    repos = {
        provider: make_repo(
            tmp_path / provider,
            u.project_slug,
            project_section(u.project_slug, u.project_uuid) + COMMON + tracker_section(provider),
        )
        for provider in BINDERS
    }
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    worker = [sys.executable, "-m", "tests.faults.race_worker"]
    procs = {
        provider: subprocess.Popen(
            [
                *worker,
                "bind",
                str(repos[provider]),
                host.url,
                host.admin_token,
                host.team,
                "100",
                provider,
                *labels,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for provider, labels in BINDERS.items()
    }
    procs["writer"] = subprocess.Popen(
        [*worker, "write", "100", *(str(r) for r in repos.values())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    outs = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        outs[name] = json.loads(out)
    assert outs["writer"]["applied"] == 100

    for provider, repo in repos.items():
        assert outs[provider]["applied"] == 100
        tracker = load_config(repo).tracker
        assert tracker is not None
        assert tracker.binding_ref == outs[provider]["last"]  # the last bind is on disk...
        assert tracker.workspace == "w-99"  # ...and so is the other writer's last edit
        active = [
            m["binding_ref"]
            for m in host.mappings(provider)
            if m["project_uuid"] == u.project_uuid and m["status"] == "active"
        ]
        assert active == [tracker.binding_ref]  # what the host holds is what the file says
