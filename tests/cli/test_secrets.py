"""The token never shows: every command, successful or failing (also with --debug),
runs with a recognisable token, and neither its output nor any file it wrote (repo
configs, HOME, the activity log) contains it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.cli.conftest import Cli, Result
from tests.support.activity import logged
from tests.support.host import host_settings
from tests.support.repos import COMMON, make_repo, mapped_repo, project_section
from tracker_host import seed
from tracker_host.demo_repos import write_demo_repos
from tracker_host.server import RunningHost, run_in_thread

ADMIN_CANARY = f"sk-canary-admin-{secrets.token_hex(12)}"
VIEWER_CANARY = f"sk-canary-viewer-{secrets.token_hex(12)}"
UNKNOWN_CANARY = f"sk-canary-unknown-{secrets.token_hex(12)}"
CANARIES = (ADMIN_CANARY, VIEWER_CANARY, UNKNOWN_CANARY)


@pytest.fixture(scope="module")
def canary_host() -> Iterator[RunningHost]:
    settings = host_settings(
        admin_token=SecretStr(ADMIN_CANARY), viewer_token=SecretStr(VIEWER_CANARY)
    )
    with run_in_thread(settings) as running:
        yield running


def leaks(text: str) -> list[str]:
    found = []
    for canary in CANARIES:
        core = canary.rsplit("-", 1)[1]  # the random part, should a prefix be masked
        if canary in text or core in text:
            found.append(canary)
    return found


def test_no_command_ever_shows_the_token(canary_host: RunningHost, tmp_path: Path) -> None:
    home, root, secret_dir = tmp_path / "home", tmp_path / "repos", tmp_path / "secret"
    for folder in (home, root, secret_dir):
        folder.mkdir()
    activity = home / "activity.jsonl"
    cli = Cli(
        url=canary_host.url,
        team=seed.TEAM,
        token=ADMIN_CANARY,
        home=home,
        extra_env={"SK_TRACKER_ACTIVITY_LOG": str(activity)},
    )
    token_file = secret_dir / "token"
    token_file.write_text(ADMIN_CANARY)

    write_demo_repos(root)
    m = seed.MY_PROJECT
    fresh = make_repo(
        root / "more", m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    legacy = root / "billing-service"
    stale = root / "search-indexer"
    unbound = root / "mobile-app"
    other = mapped_repo(root / "more", seed.LEGACY_BILLING, with_ref=False)
    down = {"SPEC_KITTY_SAAS_URL": "http://127.0.0.1:9"}

    runs: list[Result] = [
        cli.run("--help"),
        cli.run("discover", "--provider", "linear"),
        cli.run("discover", "--all", "--json"),
        cli.run("discover", "--provider", "azure_devops"),
        cli.run("discover", "--provider", "linear", "--token-file", token_file, "--debug"),
        cli.run("bind", "--provider", "linear", cwd=fresh),
        cli.run("bind", "--provider", "linear", "--debug", cwd=unbound, input="1\n"),
        cli.run("bind", "-p", "linear", "--bind-ref", seed.DELETED_SEARCH.binding_ref, cwd=fresh),
        cli.run("bind", "-p", "linear", "--select", "99", "--yes", cwd=stale),
        cli.run("bind", "-p", "jira", "--select", "1", cwd=stale),  # no answer to re-bind
        cli.run("status", cwd=legacy),  # writes the upgrade
        cli.run("status", "--json", cwd=fresh),
        cli.run("status", "--all"),
        cli.run("status", "--all", "--json"),
        cli.run("status", cwd=stale),
        cli.run("status", "--debug", cwd=stale),
        cli.run("status", "--debug", cwd=other, env=down),
        cli.run("audit", root),
        cli.run("audit", root, "--json"),
        cli.run("audit", root, "--apply-upgrades", "--debug"),
        cli.run("audit", root, env=down),
        cli.run("status", cwd=legacy, env={"SPEC_KITTY_SAAS_URL": "http://example.invalid"}),
    ]
    viewer = Cli(canary_host.url, seed.TEAM, VIEWER_CANARY, home, cli.extra_env)
    runs += [
        viewer.run("bind", "-p", "linear", "--select", "1", "--yes", "--debug", cwd=stale),
        viewer.run("status", "--all"),
    ]
    stranger = Cli(canary_host.url, seed.TEAM, UNKNOWN_CANARY, home, cli.extra_env)
    runs += [
        stranger.run("discover", "--provider", "linear"),
        stranger.run("status", "--debug", cwd=fresh),
        stranger.run("bind", "-p", "linear", "--yes", cwd=fresh),
    ]

    # The runs did what they should, so the scan below covers real work and failures.
    expected = [0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1]
    assert [r.code for r in runs] == expected, "\n".join(map(str, runs))
    assert any("Traceback" in r.err for r in runs)  # --debug failures were included
    assert len(logged(activity)) >= 3

    for result in runs:
        assert not leaks(result.out + result.err), str(result)
    written = [p for p in (*home.rglob("*"), *root.rglob("*")) if p.is_file()]
    assert any(p.name == "config.yaml" for p in written)
    for path in written:
        assert not leaks(path.read_text(encoding="utf-8", errors="replace")), path
