"""A folder of hostile repos audited beside good ones: each bad config is reported on
its own row, nothing is written anywhere, the good repos are unaffected; and files in
an audited repo cannot redirect the host URL or the token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.config.test_config_hostile import HOSTILE
from tests.support.host import HostHandle
from tests.support.repos import make_repo
from tracker_core import ConfigError, PathNotAllowedError, TrackerError, TrackerService
from tracker_host.demo_repos import write_demo_repos

ROOT = Path(__file__).resolve().parents[2]


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    write_demo_repos(root)
    for n, (data, _) in enumerate(HOSTILE.values()):
        repo = make_repo(root, f"hostile-{n:02d}", None)
        (repo / ".kittify").mkdir()
        (repo / ".kittify" / "config.yaml").write_bytes(data)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.yaml").write_text(
        "tracker:\n  provider: linear\n  binding_ref: srm_OUTSIDE\n"
    )
    linked = make_repo(root, "symlinked", None)
    (linked / ".kittify").mkdir()
    (linked / ".kittify" / "config.yaml").symlink_to(outside / "config.yaml")
    return root


def test_hostile_repos_are_reported_one_by_one_and_nothing_is_written(
    service: TrackerService, hostile_root: Path
) -> None:
    before = snapshot(hostile_root.parent)
    report = service.audit([hostile_root])
    states = {r.repo.name: r for r in report.rows}
    for n in range(len(HOSTILE)):
        row = states[f"hostile-{n:02d}"]
        assert row.state.startswith("misconfigured:"), (n, row.state)
        assert row.reason and "\n" not in row.reason
    assert states["symlinked"].state == "misconfigured:symlink"
    assert "srm_OUTSIDE" not in states["symlinked"].reason
    # The good repos are classified as if the hostile ones were not there.
    assert states["my-project"].state == "bound"
    assert states["search-indexer"].state == "stale:mapping_deleted"
    assert states["billing-service"].state == "legacy"

    # Acting on every hostile repo is refused, and no byte changes anywhere.
    service.apply_upgrades(report)
    for name in [f"hostile-{n:02d}" for n in range(len(HOSTILE))] + ["symlinked"]:
        with pytest.raises((ConfigError, PathNotAllowedError)):
            service.bind(hostile_root / name, "linear", select=1, confirm_rebind=True)
    after = snapshot(hostile_root.parent)
    changed = {k for k in after if before.get(k) != after[k]}
    assert changed == {"root/billing-service/.kittify/config.yaml"}  # the one pending upgrade


def test_repo_path_with_dotdot_out_of_the_roots_is_refused(
    host: HostHandle, tmp_path: Path
) -> None:
    from tests.support.services import make_service
    from tracker_core import AccessPolicy

    roots = tmp_path / "roots"
    write_demo_repos(roots)
    outside = tmp_path / "elsewhere"
    write_demo_repos(outside)
    before = snapshot(outside)
    sneaky = roots / "my-project" / ".." / ".." / "elsewhere" / "mobile-app"
    with make_service(host, policy=AccessPolicy(allowed_roots=[roots])) as svc:
        with pytest.raises(PathNotAllowedError):
            svc.bind(sneaky, "linear", select=1)
        assert svc.client.request_count == 0
    assert snapshot(outside) == before


@pytest.mark.parametrize("planted", [".kittify/.kitty.env", ".env", ".kittify/settings.toml"])
def test_files_inside_a_repo_cannot_redirect_host_or_token(
    host: HostHandle, tmp_path: Path, planted: str
) -> None:
    repos = tmp_path / "repos"
    write_demo_repos(repos)
    repo = repos / "my-project"
    bait = (
        "SPEC_KITTY_SAAS_URL=http://127.0.0.1:1\nSK_TRACKER_TOKEN=planted-token\n"
        'saas_url = "http://127.0.0.1:1"\ntoken = "planted-token"\n'
    )
    (repo / planted).write_text(bait)
    home = tmp_path / "home"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "SK_TRACKER_SETTINGS_FILE": str(home / "none.toml"),
        "SPEC_KITTY_SAAS_URL": host.url,
        "SK_TRACKER_TOKEN": host.admin_token,
        "SK_TRACKER_TEAM": host.team,
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tracker_cli", "status", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert '"binding_ref": "srm_01JHMMRQE03HYDJH62HKC8H42F"' in proc.stdout


def test_error_messages_never_echo_a_config_body(service: TrackerService, tmp_path: Path) -> None:
    secret = "srm_LEAKED_FROM_FILE"
    repo = make_repo(tmp_path, "leaky", f"tracker:\n  provider: linear\n  binding_ref: [{secret}\n")
    with pytest.raises(TrackerError) as info:
        service.bind(repo, "linear", select=1)
    assert secret not in str(info.value)
