"""Settings a user has to fix, told as the one thing to fix: the settings file's line
and key, and the token setting the host rejected (there is no login command)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.support.host import HostHandle
from tests.support.repos import mapped_repo
from tracker_core.access.settings import load_settings
from tracker_core.errors import SettingsError
from tracker_host import seed

SECRET = "sk-secret-in-the-file-0123456789"


def with_settings_file(cli: Cli, home: Path, text: str) -> tuple[Cli, Path]:
    path = home / "settings.toml"
    path.write_text(text, encoding="utf-8")
    cli.extra_env["SK_TRACKER_SETTINGS_FILE"] = str(path)
    return cli, path


def test_a_settings_file_that_is_not_toml_names_file_line_and_key(cli: Cli, home: Path) -> None:
    cli, path = with_settings_file(cli, home, f'token = "{SECRET}"\ntimeout = \nteam = "x"\n')
    result = cli.run("status", "--all")
    assert result.code == SettingsError.exit_code, result
    line = result.one_error_line()
    assert f"settings file {path}, line 2, column" in line and "key timeout" in line, line
    assert SECRET not in result.err + result.out


def test_a_bad_value_in_the_settings_file_names_file_line_and_key(cli: Cli, home: Path) -> None:
    cli, path = with_settings_file(cli, home, f'token = "{SECRET}"\n\ntimeout = "soon"\n')
    result = cli.run("status", "--all")
    assert result.code == SettingsError.exit_code, result
    line = result.one_error_line()
    assert line.startswith(f"error: settings file {path}, line 3, key timeout: "), line
    assert SECRET not in result.err + result.out


def test_the_same_bad_value_in_the_environment_names_the_variable(cli: Cli, home: Path) -> None:
    result = cli.run("status", "--all", env={"SK_TRACKER_TIMEOUT": "soon"})
    assert result.code == SettingsError.exit_code, result
    assert result.one_error_line().startswith("error: invalid setting SK_TRACKER_TIMEOUT: ")


def test_the_library_raises_the_same_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[broken\n", encoding="utf-8")
    monkeypatch.setenv("SK_TRACKER_SETTINGS_FILE", str(path))
    with pytest.raises(SettingsError) as caught:
        load_settings()  # what the dashboard and the notebook call
    assert f"settings file {path}, line 1, column" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_rejected_token_names_the_setting_and_audit_does_not_say_retry(
    cli: Cli, host: HostHandle, repos: Path, tmp_path: Path
) -> None:
    mapped_repo(repos, seed.MY_PROJECT)
    result = cli.run("audit", "--json", repos, env={"SK_TRACKER_TOKEN": "not-the-token"})
    assert result.code == 1, result
    line = result.one_error_line()
    assert "set SK_TRACKER_TOKEN to a valid token" in line and "log in" not in line, line
    (row,) = result.json()["repos"]
    assert row["state"] == "unverified"
    assert "SK_TRACKER_TOKEN" in row["reason"]
    assert "reachable" not in row["guidance"]

    token_file = tmp_path / "token"
    token_file.write_text("also-not-the-token\n")
    result = cli.run(
        "status", "--all", env={"SK_TRACKER_TOKEN": None, "SK_TRACKER_TOKEN_FILE": str(token_file)}
    )
    assert result.code == 1, result
    assert f"put a valid token in {token_file} (SK_TRACKER_TOKEN_FILE)" in result.one_error_line()
