"""Remote URLs as roots: every accepted form, one name per repository, roots lists
that keep a URL's colons, sources files, and no password ever accepted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_core.access.settings import load_settings
from tracker_core.errors import SettingsError, UsageError
from tracker_core.remote.urls import (
    is_remote,
    parse_location,
    parse_remote,
    read_sources,
    split_roots,
)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://github.com/Acme/app.git", "github.com/Acme/app"),
        ("ssh://git@github.com/acme/app", "github.com/acme/app"),
        ("ssh://git@git.acme.example:2222/mobile/app.git", "git.acme.example:2222/mobile/app"),
        ("git://127.0.0.1:9418/acme/app.git", "127.0.0.1/acme/app"),
        ("git@github.com:acme/app.git", "github.com/acme/app"),
        ("file:///srv/git/acme/app.git", "/srv/git/acme/app"),
    ],
)
def test_every_form_parses_to_host_org_repo(url: str, name: str) -> None:
    assert is_remote(url)
    remote = parse_remote(url)
    assert remote.name == name and remote.url == url


def test_one_repository_has_one_key_however_it_is_written() -> None:
    keys = {
        parse_remote(u).key
        for u in (
            "https://github.com/Acme/App.git",
            "git@github.com:acme/app",
            "ssh://git@github.com/acme/app.git/",
        )
    }
    assert keys == {"github.com/acme/app"}


@pytest.mark.parametrize("text", ["/home/me/src", "src", "C:/src", "folder:sub", "ftp://x/y"])
def test_folders_are_not_remotes(text: str) -> None:
    assert not is_remote(text)


def test_a_password_in_a_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(UsageError) as caught:
        parse_remote("https://me:hunter2@github.com/acme/app.git")
    assert "hunter2" not in str(caught.value) and "credential helper" in str(caught.value)


def test_a_nested_project_is_url_plus_path() -> None:
    project = parse_location("git@github.com:acme/mono.git", "plugins/a/")
    assert str(project) == "git@github.com:acme/mono.git#plugins/a"
    assert project.name == "github.com/acme/mono/plugins/a"
    assert project.config_path == "plugins/a/.kittify/config.yaml"
    assert parse_location("git@github.com:acme/mono.git#plugins/a") == project
    with pytest.raises(UsageError):
        parse_location("git@github.com:acme/mono.git", "../escape")


def test_roots_keep_the_colons_inside_urls() -> None:
    text = "/a:https://h.example/o/r.git:git@github.com:o/r.git:ssh://git@h:2222/o/r:/b"
    assert split_roots(text) == [
        "/a",
        "https://h.example/o/r.git",
        "git@github.com:o/r.git",
        "ssh://git@h:2222/o/r",
        "/b",
    ]


def test_settings_split_folders_from_remotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "remotes.txt"
    sources.write_text(
        "# all of them\n\ngit@github.com:acme/a.git\nhttps://gitlab.com/acme/b.git  # team b\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SK_TRACKER_REPO_ROOTS", f"{tmp_path}:git://127.0.0.1/acme/c.git")
    monkeypatch.setenv("SK_TRACKER_REPO_SOURCES", str(sources))
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(tmp_path / "none.toml"))
    settings = load_settings()
    assert settings.repo_roots == [tmp_path]
    assert settings.remote_roots == [
        "git://127.0.0.1/acme/c.git",
        "git@github.com:acme/a.git",
        "https://gitlab.com/acme/b.git",
    ]
    sources.write_text("not a remote\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings().remote_roots  # noqa: B018
    assert "SK_TRACKER_REPO_SOURCES" in str(caught.value) and ":1:" in str(caught.value)


def test_a_missing_sources_file_is_one_line() -> None:
    with pytest.raises(UsageError) as caught:
        read_sources(Path("/nonexistent/remotes.txt"))
    assert "cannot read the repo sources file" in str(caught.value)
