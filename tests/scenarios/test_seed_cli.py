"""The seed scenarios of DESIGN §9 through ``sk-tracker``, against the reference host
and the second host (``any_host``): what a user types and reads, on any faithful host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.support.repos import COMMON, config_bytes, make_repo, project_section, tracker_section
from tests.support.scenario_hosts import ScenarioHost
from tests.support.scenario_state import (
    BILLING,
    DELETED,
    DISABLED,
    FREE_LINEAR,
    HOST_SAYS_DISABLED,
    LEGACY,
    MY,
    NEVER_ISSUED,
    SITE,
    Project,
)
from tracker_core import load_config


@pytest.fixture
def cli(any_host: ScenarioHost, tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(url=any_host.url, team=any_host.team, token=any_host.admin_token, home=home)


def repo_of(root: Path, project: Project, **tracker: str | None) -> Path:
    config = project_section(project.slug, project.uuid) + COMMON
    if tracker:
        config += tracker_section(project.provider, **tracker)
    return make_repo(root, project.slug, config)


def ref_in_config(repo: Path) -> str | None:
    tracker = load_config(repo).tracker
    return tracker.binding_ref if tracker else None


def test_auto_bind(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, MY)
    result = cli.run("bind", "--provider", "linear", "--repo", repo)
    assert result.code == 0, result
    assert MY.binding_ref in result.out and "My Project (LIN-1)" in result.out
    assert ref_in_config(repo) == MY.binding_ref


def test_ambiguous_selection_from_a_pipe(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, BILLING)
    listed = cli.run("bind", "--provider", "linear", "--repo", repo, input="\n")
    numbered = dict(re.findall(r"^\s*(\d+)\. (.+?) \(\w+\) —", listed.out, re.M))
    assert sorted(numbered.values()) == FREE_LINEAR, listed
    pick = next(n for n, label in numbered.items() if label == "Payments API (LIN-5)")
    result = cli.run("bind", "--provider", "linear", "--repo", repo, input=f"{pick}\n")
    assert result.code == 0, result
    assert load_config(repo).tracker.display_label == "Payments API (LIN-5)"  # type: ignore[union-attr]


def test_select_and_out_of_range(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, BILLING)
    before = config_bytes(repo)
    wrong = cli.run("bind", "--provider", "linear", "--repo", repo, "--select", "9")
    assert wrong.code == 1 and "choose 1 to 4" in wrong.one_error_line()
    assert config_bytes(repo) == before
    result = cli.run("bind", "--provider", "linear", "--repo", repo, "--select", "1")
    assert result.code == 0, result
    assert load_config(repo).tracker.display_label in FREE_LINEAR  # type: ignore[union-attr]


def test_no_candidates(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, Project("new-site", BILLING.uuid, provider="github"))
    before = config_bytes(repo)
    result = cli.run("bind", "--provider", "github", "--repo", repo)
    assert result.code == 1
    assert "sk-tracker discover --provider github" in result.one_error_line()
    assert config_bytes(repo) == before


def test_bind_ref_valid(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, MY)
    result = cli.run("bind", "--provider", "linear", "--repo", repo, "--bind-ref", MY.binding_ref)
    assert result.code == 0, result
    assert ref_in_config(repo) == MY.binding_ref


@pytest.mark.parametrize(
    ("project", "ref", "words"),
    [
        (BILLING, NEVER_ISSUED, f"no binding {NEVER_ISSUED} on the host"),
        (SITE, SITE.binding_ref, f"{SITE.binding_ref} is a github binding; use --provider github"),
        (DELETED, DELETED.binding_ref, f"binding {DELETED.binding_ref} was deleted on the host"),
        (DISABLED, DISABLED.binding_ref, f"binding {DISABLED.binding_ref} is disabled on the host"),
        (BILLING, MY.binding_ref, f"binding {MY.binding_ref} belongs to another project"),
    ],
)
def test_bind_ref_invalid_one_line_per_reason(
    cli: Cli, any_host: ScenarioHost, tmp_path: Path, project: Project, ref: str, words: str
) -> None:
    repo = repo_of(tmp_path, Project(project.slug, project.uuid))
    before = config_bytes(repo)
    result = cli.run("bind", "--provider", "linear", "--repo", repo, "--bind-ref", ref)
    assert result.code == 1
    line = result.one_error_line()
    assert line.startswith(f"error: {words}")
    assert " — host says: " in line  # the host's own words, after the tool's fix
    if any_host.kind == "second" and project is DISABLED:
        assert line.endswith(HOST_SAYS_DISABLED)
    assert config_bytes(repo) == before


def test_legacy_status_upgrades(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    result = cli.run("status", "--repo", repo)
    assert result.code == 0, result
    assert ref_in_config(repo) == LEGACY.binding_ref


def test_legacy_status_upgrade_skipped(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    before = config_bytes(repo)
    result = cli.run("status", "--repo", repo, env={"SK_TRACKER_UPGRADE_ON_READ": "0"})
    assert result.code == 0, result
    assert LEGACY.binding_ref in result.out
    assert config_bytes(repo) == before


def test_host_down(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, LEGACY, project_slug=LEGACY.slug)
    before = config_bytes(repo)
    result = cli.run("status", "--repo", repo, env={"SPEC_KITTY_SAAS_URL": "http://127.0.0.1:9"})
    assert result.code == 1 and "host unavailable" in result.one_error_line()
    assert config_bytes(repo) == before


def test_status_all(cli: Cli) -> None:
    result = cli.run("status", "--all", "--json")
    assert result.code == 0, result
    by_provider = {item["provider"]: item for item in result.json()}
    assert by_provider["linear"]["connected"] and by_provider["github"]["connected"]
    assert by_provider["linear"]["binding_count"] == 3
    assert not by_provider["jira"]["connected"]


def test_rebind_confirm_and_decline(cli: Cli, tmp_path: Path) -> None:
    repo = repo_of(tmp_path, DELETED, binding_ref=DELETED.binding_ref, project_slug=DELETED.slug)
    before = config_bytes(repo)
    declined = cli.run("bind", "--provider", "linear", "--repo", repo, "--select", "1", input="n\n")
    assert declined.code == 0 and config_bytes(repo) == before, declined
    confirmed = cli.run("bind", "--provider", "linear", "--repo", repo, "--select", "1", "--yes")
    assert confirmed.code == 0, confirmed
    assert ref_in_config(repo) not in (None, DELETED.binding_ref)


@pytest.mark.parametrize("with_slug", [False, True])
def test_stale_binding(cli: Cli, tmp_path: Path, with_slug: bool) -> None:
    slug = DELETED.slug if with_slug else None
    repo = repo_of(tmp_path, DELETED, binding_ref=DELETED.binding_ref, project_slug=slug)
    before = config_bytes(repo)
    result = cli.run("status", "--repo", repo)
    assert result.code == 1
    line = result.one_error_line()
    assert DELETED.binding_ref in line and "sk-tracker bind --provider linear" in line
    assert config_bytes(repo) == before


def test_disabled_is_not_bound_in_discover(cli: Cli) -> None:
    result = cli.run("discover", "--provider", "linear", "--json")
    assert result.code == 0, result
    status = {r["display_label"]: r["binding_status"] for r in result.json()}
    assert status["CRM (LIN-3)"] == "disabled" and status["My Project (LIN-1)"] == "bound"
    crm = next(r for r in result.json() if r["display_label"] == "CRM (LIN-3)")
    assert crm["is_bound"] is False and crm["binding_ref"] == DISABLED.binding_ref
    table = cli.run("discover", "--provider", "linear")
    crm_line = next(line for line in table.out.splitlines() if "CRM (LIN-3)" in line)
    assert "⊘ disabled" in crm_line and "● bound" not in crm_line
