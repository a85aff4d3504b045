"""``sk-tracker status`` end to end: legacy status with the opportunistic upgrade
(written, skipped), host down, status --all, stale bindings (with and without a
legacy slug that would route), and the connection settings."""

from __future__ import annotations

import re
import socket
from pathlib import Path

from tests.cli.conftest import Cli
from tests.support.host import HostHandle
from tests.support.repos import (
    COMMON,
    config_bytes,
    make_repo,
    mapped_repo,
    project_section,
    tracker_section,
)
from tracker_core import load_config
from tracker_host import seed


def field(out: str, name: str) -> str:
    """The value printed beside ``name`` in the project status block."""
    match = re.search(rf"^\s*{re.escape(name)}  +(.*?)\s*$", out, re.M)
    assert match, f"{name!r} not in:\n{out}"
    return match.group(1)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- status by binding_ref -----------------------------------------------------------


def test_status_of_a_bound_repo(cli: Cli, repos: Path) -> None:
    m = seed.MY_PROJECT
    repo = mapped_repo(repos, m)
    before = config_bytes(repo)

    result = cli.run("status", cwd=repo)

    assert result.code == 0, result
    assert result.out.startswith("Project binding")
    assert field(result.out, "Resource") == m.display_label
    assert field(result.out, "Binding ref") == m.binding_ref
    assert field(result.out, "Routed by") == "binding_ref"
    assert field(result.out, "Connected") == "yes"
    assert result.err == ""
    assert config_bytes(repo) == before

    data = cli.run("status", "--json", cwd=repo).json()
    assert data["binding_ref"] == m.binding_ref and data["routed_by"] == "binding_ref"
    assert data["configured"] is True and data["upgrade"] == "none"


# --- scenario 6: legacy status + upgrade written -----------------------------------


def test_legacy_status_writes_the_binding_ref(cli: Cli, repos: Path) -> None:
    m = seed.LEGACY_BILLING
    repo = mapped_repo(repos, m, with_ref=False)
    head = config_bytes(repo).split(b"tracker:")[0]

    result = cli.run("status", cwd=repo)

    assert result.code == 0, result
    assert field(result.out, "Resource") == m.display_label
    assert field(result.out, "Routed by") == "project_slug"
    assert result.err == ""  # the upgrade is silent
    assert config_bytes(repo).startswith(head)
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == m.binding_ref
    assert tracker.project_slug == m.project_slug
    assert tracker.display_label == m.display_label
    assert tracker.provider_context["workspace_name"] == "Acme Labs"
    # The next call routes by the ref it learned.
    assert field(cli.run("status", cwd=repo).out, "Routed by") == "binding_ref"


def test_legacy_status_with_upgrade_on_read_off_reports_it_pending(cli: Cli, repos: Path) -> None:
    m = seed.LEGACY_BILLING
    repo = mapped_repo(repos, m, with_ref=False)
    before = config_bytes(repo)
    env = {"SK_TRACKER_UPGRADE_ON_READ": "false"}

    result = cli.run("status", cwd=repo, env=env)

    assert result.code == 0, result
    assert m.binding_ref in field(result.out, "Upgrade")
    assert "sk-tracker audit --apply-upgrades" in result.out
    assert config_bytes(repo) == before
    data = cli.run("status", "--json", cwd=repo, env=env).json()
    assert data["upgrade"] == "pending" and data["pending_binding_ref"] == m.binding_ref


# --- scenario 7a: upgrade skipped --------------------------------------------------


def test_legacy_status_without_a_ref_from_the_host_changes_nothing(cli: Cli, repos: Path) -> None:
    config = project_section("orphan", "0c3e9a55-7c1e-4f61-9b1a-8d2f0e7a6b5c") + COMMON
    config += tracker_section("linear", project_slug="orphan-project")
    repo = make_repo(repos, "orphan", config)

    result = cli.run("status", cwd=repo)

    assert result.code == 0, result
    assert field(result.out, "Routed by") == "project_slug"
    assert field(result.out, "Binding ref") == "(none)"
    assert result.err == ""  # no warning: debug log only
    assert config_bytes(repo) == config.encode()


# --- scenario 7b: host down ----------------------------------------------------------


def test_host_down_is_one_line_exit_1_and_changes_nothing(cli: Cli, repos: Path) -> None:
    legacy = mapped_repo(repos, seed.LEGACY_BILLING, with_ref=False)
    before = config_bytes(legacy)
    down = f"http://127.0.0.1:{unused_port()}"

    result = cli.run("status", cwd=legacy, env={"SPEC_KITTY_SAAS_URL": down})

    assert result.code == 1, result
    line = result.one_error_line()
    assert line.startswith(f"error: host unavailable at {down}")
    assert result.out == ""  # no fabricated status
    assert config_bytes(legacy) == before


# --- scenario 9: status --all ------------------------------------------------------


def test_status_all_lists_every_binding_in_another_layout(cli: Cli, repos: Path) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    project = cli.run("status", cwd=repo)
    result = cli.run("status", "--all", cwd=repo)

    assert result.code == 0, result
    lines = result.out.splitlines()
    assert lines[0] == "Installation status"
    assert "Bindings" in lines
    assert "Project binding" not in result.out and "Project binding" in project.out
    header = next(line for line in lines if line.startswith("Project "))
    assert header.split() == [
        "Project",
        "Provider",
        "Resource",
        "Workspace",
        "Status",
        "Bound",
        "at",
        "Binding",
        "ref",
    ]
    for m in seed.MAPPINGS:
        if m.status == "deleted":
            continue
        row = next(line for line in lines if m.binding_ref in line)
        assert row.split()[:2] == [m.project_slug, m.provider]
        assert f" {m.status} " in row and m.bound_at[:10] in row
    azure = next(line for line in lines if line.startswith("azure_devops"))
    assert azure.split()[1] == "no"
    assert "connect the azure_devops tracker in the SaaS dashboard" in azure
    linear = next(line for line in lines if line.startswith("linear "))
    assert linear.split()[1:4] == ["yes", "10", "3"]

    data = cli.run("status", "--all", "--json").json()
    assert {d["provider"]: d["connected"] for d in data} == {
        "linear": True,
        "jira": True,
        "github": True,
        "gitlab": True,
        "azure_devops": False,
    }


def test_status_all_for_one_provider_without_installation_exits_1(cli: Cli) -> None:
    result = cli.run("status", "--all", "--provider", "azure_devops")
    assert result.code == 1
    assert "connect the azure_devops tracker in the SaaS dashboard" in result.one_error_line()


# --- scenarios 11 and 12: stale bindings ---------------------------------------------


def test_stale_binding_names_the_ref_and_the_fix(cli: Cli, repos: Path) -> None:
    for m in (seed.DELETED_SEARCH, seed.DISABLED_CRM):
        repo = mapped_repo(repos, m)
        before = config_bytes(repo)

        result = cli.run("status", cwd=repo)

        assert result.code == 1, result
        line = result.one_error_line()
        assert m.binding_ref in line
        # The tool's fix, then what the host said about it.
        assert f"sk-tracker bind --provider {m.provider} — host says: " in line
        assert result.out == ""
        assert config_bytes(repo) == before


def test_stale_binding_with_a_routable_legacy_slug_does_not_fall_back(
    cli: Cli, repos: Path
) -> None:
    # The slug is one the host knows (billing-service); the ref is deleted.
    stale, legacy = seed.DELETED_SEARCH, seed.LEGACY_BILLING
    config = project_section(legacy.project_slug, legacy.project_uuid) + COMMON
    config += tracker_section(
        "linear", binding_ref=stale.binding_ref, project_slug=legacy.project_slug
    )
    repo = make_repo(repos, "two-keys", config)
    alone = mapped_repo(repos, stale)

    result = cli.run("status", cwd=repo)

    assert result.code == 1, result
    assert legacy.display_label not in result.out + result.err
    # The same message as without the slug.
    assert result.one_error_line() == cli.run("status", cwd=alone).one_error_line()
    assert config_bytes(repo) == config.encode()


def test_unbound_repo_says_how_to_bind(cli: Cli, repos: Path) -> None:
    u = seed.UNBOUND_PROJECT
    repo = make_repo(repos, u.project_slug, project_section(u.project_slug, u.project_uuid))
    result = cli.run("status", cwd=repo)
    assert result.code == 1
    assert "sk-tracker bind --provider" in result.one_error_line()


# --- connection settings -------------------------------------------------------------


def test_missing_settings_name_what_to_set(cli: Cli, repos: Path) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    for unset, name in (
        ("SK_TRACKER_TOKEN", "SK_TRACKER_TOKEN"),
        ("SPEC_KITTY_SAAS_URL", "SPEC_KITTY_SAAS_URL"),
        ("SK_TRACKER_TEAM", "SK_TRACKER_TEAM"),
    ):
        for command in (["status"], ["discover", "--provider", "linear"]):
            result = cli.run(*command, cwd=repo, env={unset: None})
            assert result.code == 1, result
            assert name in result.one_error_line()
            assert result.out == ""


def test_token_file_is_read_and_beats_the_environment(
    cli: Cli, host: HostHandle, repos: Path, tmp_path: Path
) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    token_file = tmp_path / "token"
    token_file.write_text(host.admin_token + "\n", encoding="utf-8")

    result = cli.run("status", "--token-file", token_file, cwd=repo, env={"SK_TRACKER_TOKEN": None})
    assert result.code == 0, result
    # A wrong token in the environment loses to the explicit file.
    result = cli.run("status", "--token-file", token_file, cwd=repo, env={"SK_TRACKER_TOKEN": "x"})
    assert result.code == 0, result
    # The file named by SK_TRACKER_TOKEN_FILE works the same way.
    result = cli.run(
        "status", cwd=repo, env={"SK_TRACKER_TOKEN": None, "SK_TRACKER_TOKEN_FILE": str(token_file)}
    )
    assert result.code == 0, result

    missing = tmp_path / "nope"
    result = cli.run("status", "--token-file", missing, cwd=repo, env={"SK_TRACKER_TOKEN": None})
    assert result.code == 1
    assert f"cannot read token file {missing}" in result.one_error_line()


def test_a_wrong_token_or_team_is_one_clear_line(cli: Cli, repos: Path) -> None:
    repo = mapped_repo(repos, seed.MY_PROJECT)
    result = cli.run("status", cwd=repo, env={"SK_TRACKER_TOKEN": "not-a-real-token"})
    assert result.code == 1
    assert "not-a-real-token" not in result.one_error_line()
    result = cli.run("status", cwd=repo, env={"SK_TRACKER_TEAM": "other-team"})
    assert result.code == 1
    assert "SK_TRACKER_TEAM" in result.one_error_line()


def test_the_host_never_comes_from_a_settings_file_inside_the_repo(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    """A hostile repo cannot redirect the token: files in the repo are not settings."""
    repo = mapped_repo(repos, seed.MY_PROJECT)
    for name in (".env", "settings.toml", ".sk-tracker.toml"):
        (repo / name).write_text(
            'SPEC_KITTY_SAAS_URL="http://127.0.0.1:9"\nsaas_url = "http://127.0.0.1:9"\n'
        )
    result = cli.run("status", cwd=repo)
    assert result.code == 0, result


def test_debug_shows_the_traceback(cli: Cli, repos: Path) -> None:
    repo = mapped_repo(repos, seed.DELETED_SEARCH)
    assert "Traceback" not in cli.run("status", cwd=repo).err
    result = cli.run("status", "--debug", cwd=repo)
    assert result.code == 1
    assert "Traceback" in result.err and "StaleBindingError" in result.err
