"""Repo paths named as a person knows them: the path under its root."""

from __future__ import annotations

from pathlib import Path

from tracker_core.tables.names import relative_name


def test_a_path_is_named_under_the_root_that_holds_it(tmp_path: Path) -> None:
    roots = [tmp_path / "work", tmp_path / "src"]
    assert relative_name(str(tmp_path / "src" / "team" / "api"), roots) == "team/api"
    assert relative_name(str(tmp_path / "work" / "api"), roots) == "api"


def test_outside_every_root_the_folder_name_remains(tmp_path: Path) -> None:
    assert relative_name(str(tmp_path / "elsewhere" / "api"), [tmp_path / "src"]) == "api"
    assert relative_name(str(tmp_path / "src"), [tmp_path / "src"]) == "src"


def test_remote_projects_are_named_host_org_repo_and_empty_values_kept() -> None:
    """One rule on every face: a remote project as the rows name it, whether the text
    is the URL, the URL with the project's folder, or a file:// path."""
    assert relative_name("https://github.com/acme-corp/api.git", [Path("/")]) == (
        "github.com/acme-corp/api"
    )
    assert relative_name("git://127.0.0.1:9418/acme/mobile.git#app", []) == (
        "127.0.0.1/acme/mobile/app"
    )
    assert relative_name("git@github.com:acme/platform.git#plugins/a", []) == (
        "github.com/acme/platform/plugins/a"
    )
    assert relative_name("file:///srv/git/acme/app.git#svc", []) == "/srv/git/acme/app/svc"
    assert relative_name("", [Path("/")]) == ""
