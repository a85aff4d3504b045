"""Settings (environment, settings file, errors naming the variable) and the access
policy (roles, allowed roots, symlinks and ``..`` out of the roots)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tracker_core import AccessPolicy, PathNotAllowedError, PermissionDeniedError, SettingsError
from tracker_core.access.settings import load_settings

ENV = [
    "SPEC_KITTY_SAAS_URL",
    "SK_TRACKER_TOKEN",
    "SK_TRACKER_TOKEN_FILE",
    "SK_TRACKER_TEAM",
    "SK_TRACKER_REPO_ROOTS",
    "SK_TRACKER_ALLOWED_ROOTS",
    "SK_TRACKER_ROLE",
    "SK_TRACKER_UPGRADE_ON_READ",
    "SK_TRACKER_ACTIVITY_LOG",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(tmp_path / "none.toml"))


def test_environment_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPEC_KITTY_SAAS_URL", "https://host.example")
    monkeypatch.setenv("SK_TRACKER_TOKEN", "tok-123")
    monkeypatch.setenv("SK_TRACKER_TEAM", "acme")
    monkeypatch.setenv("SK_TRACKER_REPO_ROOTS", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    monkeypatch.setenv("SK_TRACKER_UPGRADE_ON_READ", "false")
    monkeypatch.setenv("SK_TRACKER_ROLE", "Admin")
    s = load_settings()
    assert s.require_url() == "https://host.example" and s.require_team() == "acme"
    assert s.repo_roots == [tmp_path / "a", tmp_path / "b"]
    assert s.effective_allowed_roots == s.repo_roots  # default: the repo roots
    assert s.upgrade_on_read is False and s.role == "admin"
    assert s.token_provider().token().get_secret_value() == "tok-123"
    assert "tok-123" not in repr(s) and "tok-123" not in str(s)


def test_settings_file_is_below_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    file = tmp_path / "settings.toml"
    file.write_text('saas_url = "https://from-file.example"\nteam = "file-team"\n')
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(file))
    monkeypatch.setenv("SK_TRACKER_TEAM", "env-team")
    s = load_settings()
    assert s.saas_url == "https://from-file.example"
    assert s.team == "env-team"


@pytest.mark.parametrize(
    ("call", "variable"),
    [
        ("require_url", "SPEC_KITTY_SAAS_URL"),
        ("require_team", "SK_TRACKER_TEAM"),
        ("token_provider", "SK_TRACKER_TOKEN"),
    ],
)
def test_missing_setting_names_the_variable(call: str, variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        getattr(load_settings(), call)()


def test_invalid_value_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SK_TRACKER_ROLE", "owner")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "SK_TRACKER_ROLE" in str(info.value) and "\n" not in str(info.value)


def test_token_file_is_used_and_unreadable_file_is_clear(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("file-token\n")
    monkeypatch.setenv("SK_TRACKER_TOKEN_FILE", str(token))
    assert load_settings().token_provider().token().get_secret_value() == "file-token"
    monkeypatch.setenv("SK_TRACKER_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="cannot read token file"):
        load_settings().token_provider()


def test_a_dotenv_in_the_working_directory_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "SPEC_KITTY_SAAS_URL=https://evil.example\nSK_TRACKER_TOKEN=stolen\n"
    )
    monkeypatch.chdir(tmp_path)
    s = load_settings()
    assert s.saas_url is None and s.token is None


def test_viewer_policy_refuses_mutation() -> None:
    with pytest.raises(PermissionDeniedError, match="viewer"):
        AccessPolicy(role="viewer").require_mutation("bind resources")


def test_allowed_roots(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "repo" / ".kittify").mkdir(parents=True)
    outside = tmp_path / "outside"
    (outside / ".kittify").mkdir(parents=True)
    policy = AccessPolicy(allowed_roots=[root])
    policy.require_writable(root / "repo")
    with pytest.raises(PathNotAllowedError):
        policy.require_writable(outside)
    with pytest.raises(PathNotAllowedError):
        policy.require_writable(root / "repo" / ".." / ".." / "outside")
    # A repo inside the roots whose .kittify is a symlink out of them.
    (root / "sneaky").mkdir()
    (root / "sneaky" / ".kittify").symlink_to(outside / ".kittify")
    with pytest.raises(PathNotAllowedError):
        policy.require_writable(root / "sneaky")
    with pytest.raises(PathNotAllowedError, match="no allowed roots"):
        AccessPolicy(allowed_roots=[]).require_writable(root / "repo")
