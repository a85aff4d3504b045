"""``sk-tracker discover`` end to end: the seed quickstart's table, JSON shape,
--all, providers without an installation or without resources, hostile host text,
and usage errors (exit 2) across commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli, Result
from tests.support.host import HostHandle
from tests.support.repos import COMMON, make_repo, project_section
from tracker_host import seed

JSON_KEYS = {
    "number",
    "candidate_token",
    "display_label",
    "provider",
    "provider_context",
    "binding_ref",
    "bound_project_slug",
    "bound_at",
    "is_bound",
    "binding_status",
}
HEADER = ["#", "Resource", "Provider", "Workspace", "Status"]


def table_lines(result: Result) -> tuple[str, list[str]]:
    lines = [line for line in result.out.splitlines() if line.strip()]
    return lines[0], lines[1:]


def test_quickstart_example_has_the_same_columns_and_markers(cli: Cli) -> None:
    """The seed's quickstart: three linear resources under "Acme Corp", one bound."""
    result = cli.run("discover", "--provider", "linear")

    assert result.code == 0, result
    header, rows = table_lines(result)
    assert header.split() == HEADER
    acme = {
        "My Project (LINEAR-123)": "● bound",
        "Backend API (LINEAR-456)": "○ available",
        "Mobile App (LINEAR-789)": "○ available",
    }
    seen = {}
    for row in rows:
        match = re.fullmatch(r"\s*(\d+)  (.+?)  +(\S+)  +(.+?)  +([●○] \w+)", row)
        assert match, row
        number, label, provider, workspace, status = match.groups()
        assert provider == "linear"
        # Each value starts under its column heading.
        for heading, value in (("Provider", provider), ("Workspace", workspace)):
            assert row.index(value, len(number) + len(label)) == header.index(heading), row
        assert row.rstrip().endswith(status) and row.index(status[0]) == header.index("Status")
        if label in acme:
            seen[label] = (workspace, status)
    assert seen == {label: ("Acme Corp", status) for label, status in acme.items()}
    assert len(rows) == seed.RESOURCE_COUNTS["linear"]["Acme Corp"] + 7
    assert [int(r.split()[0]) for r in rows] == list(range(1, len(rows) + 1))


def test_json_is_a_list_of_objects_with_exactly_the_contract_keys(cli: Cli) -> None:
    result = cli.run("discover", "--provider", "linear", "--json")

    assert result.code == 0, result
    assert result.err == ""
    data = result.json()
    assert isinstance(data, list) and len(data) == 10
    for i, item in enumerate(data, start=1):
        assert set(item) == JSON_KEYS
        assert item["number"] == i
        assert item["provider"] == "linear"
        # A disabled mapping still holds its resource (a ref) but it is not bound.
        assert item["is_bound"] is (item["binding_status"] == "bound")
        assert (item["binding_status"] == "available") is (item["binding_ref"] is None)
        assert item["provider_context"]["workspace_name"] in {"Acme Corp", "Acme Labs"}
    mine = next(d for d in data if d["display_label"] == seed.MY_PROJECT.display_label)
    assert mine["binding_ref"] == seed.MY_PROJECT.binding_ref
    assert mine["bound_project_slug"] == "my-project"
    assert mine["bound_at"].startswith("2025-01-15T09:30:00")
    free = next(d for d in data if d["display_label"] == "Backend API (LINEAR-456)")
    assert (free["binding_ref"], free["bound_project_slug"], free["bound_at"]) == (None,) * 3
    # The table numbers the same resources in the same order.
    _, rows = table_lines(cli.run("discover", "--provider", "linear"))
    assert [r.split("  ")[1].strip() for r in rows] == [d["display_label"] for d in data]


def test_discover_all_covers_every_installed_provider(cli: Cli) -> None:
    result = cli.run("discover", "--all")

    assert result.code == 0, result
    header, rows = table_lines(result)
    assert header.split() == HEADER
    assert len(rows) == seed.RESOURCE_TOTAL
    at = header.index("Provider")
    assert {row[at:].split()[0] for row in rows} == set(seed.INSTALLED_PROVIDERS)
    assert result.err_lines == [
        "warning: azure_devops: no azure_devops installation for this team: "
        "connect the azure_devops tracker in the SaaS dashboard"
    ]

    as_json = cli.run("discover", "--all", "--json")
    assert as_json.code == 0
    data = as_json.json()  # stdout is JSON only; the warning went to stderr
    assert len(data) == seed.RESOURCE_TOTAL and all(set(d) == JSON_KEYS for d in data)
    assert [d["number"] for d in data] == list(range(1, seed.RESOURCE_TOTAL + 1))
    assert {d["provider"] for d in data} == set(seed.INSTALLED_PROVIDERS)
    assert "azure_devops" in as_json.err


def test_provider_without_installation_exits_1_with_guidance(cli: Cli) -> None:
    for extra in ([], ["--json"]):
        result = cli.run("discover", "--provider", "azure_devops", *extra)
        assert result.code == 1, result
        line = result.one_error_line()
        assert "connect the azure_devops tracker in the SaaS dashboard" in line
        assert result.out == ""


def test_installation_without_resources_exits_0_with_guidance(cli: Cli, host: HostHandle) -> None:
    host.load({"installations": [{"provider": "linear", "workspaces": []}], "mappings": []})

    result = cli.run("discover", "--provider", "linear")
    assert result.code == 0, result
    assert result.out.startswith("No bindable resources found.")
    assert "SaaS dashboard" in result.out and result.err == ""

    as_json = cli.run("discover", "--provider", "linear", "--json")
    assert as_json.code == 0
    assert as_json.json() == []
    assert "No bindable resources found." in as_json.err


# --- hostile host text ---------------------------------------------------------------

HOSTILE = {
    "EVIL-1": "\x1b[31mRed\x1b[0m Alert\x07",
    "EVIL-2": "[bold red]x[/] and [link=http://evil.example]here[/link]",
    "EVIL-3": "Two\nInjected\rBack\tTab",
    "EVIL-4": "\x1b]8;;http://evil.example/\x07Click\x1b]8;;\x07 me",
    "EVIL-5": "abc\u202edef\u200b",
}
SHOWN = {
    "EVIL-1": "Red Alert",
    "EVIL-2": "[bold red]x[/] and [link=http://evil.example]here[/link]",
    "EVIL-3": "Two Injected Back Tab",
    "EVIL-4": "Click me",
    "EVIL-5": "abcdef",
}


def hostile_state() -> dict[str, Any]:
    m = seed.MY_PROJECT
    return {
        "installations": [
            {
                "provider": "linear",
                "workspaces": [
                    {
                        "name": "Acme \x1b[2J[red]Corp[/red]",
                        "team_name": "Eng\x1b[1A",
                        "resources": [
                            {"key": key, "name": key, "display_label": label}
                            for key, label in HOSTILE.items()
                        ],
                    }
                ],
            }
        ],
        "mappings": [
            {
                "provider": "linear",
                "resource_key": "EVIL-1",
                "project_slug": m.project_slug,
                "project_uuid": m.project_uuid,
                "binding_ref": m.binding_ref,
            }
        ],
    }


def assert_inert(result: Result) -> None:
    for stream in (result.out, result.err):
        assert "\x1b" not in stream and "\x07" not in stream and "\r" not in stream
        assert "\u202e" not in stream and "\u200b" not in stream
        assert not re.search(r"^Injected", stream, re.M)


def test_host_text_is_printed_as_inert_text(cli: Cli, host: HostHandle, repos: Path) -> None:
    host.load(hostile_state())
    m = seed.MY_PROJECT

    table = cli.run("discover", "--provider", "linear")
    assert table.code == 0, table
    assert_inert(table)
    for shown in SHOWN.values():
        assert shown in table.out
    assert "Acme [red]Corp[/red]" in table.out  # markup in a workspace name stays literal

    raw = cli.run("discover", "--provider", "linear", "--json")
    assert raw.out.isascii()  # JSON escapes everything outside ASCII
    assert {d["display_label"] for d in raw.json()} == set(HOSTILE.values())

    repo = make_repo(
        repos, m.project_slug, project_section(m.project_slug, m.project_uuid) + COMMON
    )
    for args in (["bind", "-p", "linear"], ["status"], ["status", "--all"], ["audit", repos]):
        result = cli.run(*args, cwd=repo)
        assert result.code in (0, 1), result
        assert_inert(result)
        assert SHOWN["EVIL-1"] in result.out, result


# --- usage errors: exit 2, one line ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["discover"], "give exactly one of --provider P or --all"),
        (["discover", "--provider", "linear", "--all"], "give exactly one of"),
        (["discover", "--bogus"], "No such option: --bogus"),
        (["bind", "-p", "linear", "--bind-ref", "srm_x", "--select", "1"], "not both"),
        (["bind", "-p", "linear", "--project-slug", "my-project"], "--project-slug"),
        (["bind"], "Missing option '--provider'"),
        (["bind", "-p", "linear", "--select", "two"], "--select"),
        (["bind", "-p", "nosuch", "--select", "1"], "unknown provider 'nosuch'"),
        (["status", "--all", "--repo", "."], "--repo"),
        (["audit"], "sk-tracker audit ROOT… (or set SK_TRACKER_REPO_ROOTS)"),
        (["audit", "does-not-exist"], "is not a folder"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_usage_exits_2_with_one_error_line(
    cli: Cli, repos: Path, args: list[str], needle: str
) -> None:
    repo = make_repo(repos, "r", project_section("r", "0d7f3c52-8f1e-4e0a-9b1d-2c3e4f5a6b7c"))
    result = cli.run(*args, cwd=repo)
    assert result.code == 2, result
    assert needle in result.one_error_line()
    assert result.out == ""
    assert not (repo / ".kittify" / "config.yaml").read_text().count("tracker:")
