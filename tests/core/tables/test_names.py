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


def test_remote_urls_and_empty_values_are_kept() -> None:
    url = "https://github.com/acme-corp/api.git"
    assert relative_name(url, [Path("/")]) == url
    assert relative_name("", [Path("/")]) == ""
