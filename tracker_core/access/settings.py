"""One settings model shared by every face (CLI, dashboard, notebook).

Sources, highest first: explicit arguments, environment variables, then an optional
TOML settings file (``SK_TRACKER_SETTINGS_FILE``, else the user's config folder).
Nothing is ever read from inside an audited repo: a hostile repo must not be able to
redirect the token to another host.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tracker_core.access import settings_file
from tracker_core.errors import SettingsError, TrackerError
from tracker_core.host.auth import FileToken, StaticToken, TokenProvider
from tracker_core.remote.urls import is_remote, read_sources, split_roots

Role = Literal["admin", "viewer"]

ENV_NAMES: dict[str, str] = {
    "saas_url": "SPEC_KITTY_SAAS_URL",
    "token": "SK_TRACKER_TOKEN",
    "token_file": "SK_TRACKER_TOKEN_FILE",
    "team": "SK_TRACKER_TEAM",
    "repo_roots": "SK_TRACKER_REPO_ROOTS",
    "repo_sources": "SK_TRACKER_REPO_SOURCES",
    "cache_dir": "SK_TRACKER_CACHE_DIR",
    "remote_freshness": "SK_TRACKER_REMOTE_FRESHNESS",
    "allowed_roots": "SK_TRACKER_ALLOWED_ROOTS",
    "role": "SK_TRACKER_ROLE",
    "upgrade_on_read": "SK_TRACKER_UPGRADE_ON_READ",
    "activity_log": "SK_TRACKER_ACTIVITY_LOG",
    "allow_insecure_http": "SK_TRACKER_ALLOW_INSECURE_HTTP",
    "timeout": "SK_TRACKER_TIMEOUT",
    "database_url": "SK_TRACKER_DATABASE_URL",
    "history_days": "SK_TRACKER_HISTORY_DAYS",
    "record_every": "SK_TRACKER_RECORD_EVERY",
}


def _user_dir(kind: str, fallback: str) -> Path:
    base = os.environ.get(kind)
    return Path(base) if base else Path.home() / fallback


def default_settings_file() -> Path:
    explicit = os.environ.get("SK_TRACKER_SETTINGS_FILE")
    if explicit:
        return Path(explicit)
    return _user_dir("XDG_CONFIG_HOME", ".config") / "sk-tracker" / "settings.toml"


def default_cache_dir() -> Path:
    return _user_dir("XDG_CACHE_HOME", ".cache") / "sk-tracker"


def default_activity_log() -> Path:
    return _user_dir("XDG_STATE_HOME", ".local/state") / "sk-tracker" / "activity.jsonl"


def _env(field: str, **options: Any) -> Any:
    """A setting read from its environment variable (or given by its own name);
    ``options`` as for ``Field`` (no default given: ``None``)."""
    if "default_factory" not in options:
        options.setdefault("default", None)
    return Field(validation_alias=AliasChoices(ENV_NAMES[field], field), **options)


class Settings(BaseSettings):
    """Connection, repo roots and behaviour switches of every face."""

    model_config = SettingsConfigDict(
        case_sensitive=False,
        extra="ignore",
        populate_by_name=True,
        env_file=None,  # never a .env picked up from the working directory
    )

    saas_url: str | None = _env("saas_url")
    token: SecretStr | None = _env("token")
    token_file: Path | None = _env("token_file")
    team: str | None = _env("team")
    repo_roots: Annotated[list[Path], NoDecode] = _env("repo_roots", default_factory=list)
    # git remote URLs given among the repo roots (split out of them on reading)
    repo_remotes: list[str] = Field(default_factory=list)
    repo_sources: Path | None = _env("repo_sources")
    cache_dir: Path = _env("cache_dir", default_factory=default_cache_dir)
    # Seconds a git remote asked once is not asked again (0: every audit asks).
    remote_freshness: float = _env("remote_freshness", default=0.0, ge=0)
    allowed_roots: Annotated[list[Path] | None, NoDecode] = _env("allowed_roots")
    role: Role = _env("role", default="viewer")
    upgrade_on_read: bool = _env("upgrade_on_read", default=True)
    activity_log: Path = _env("activity_log", default_factory=default_activity_log)
    allow_insecure_http: bool = _env("allow_insecure_http", default=False)

    timeout: float = _env("timeout", default=10.0, gt=0, le=300)

    # The store of the activity log and the audit history (a URL may hold a password).
    database_url: SecretStr | None = _env("database_url")
    history_days: int = _env("history_days", default=365, ge=1)
    # Minutes between the dashboard's recorded audits.
    record_every: float = _env("record_every", default=60.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _remotes_among_roots(cls, data: Any) -> Any:
        """A repo root may be a git remote URL: those go to ``repo_remotes``."""
        if not isinstance(data, dict):
            return data
        for key in (ENV_NAMES["repo_roots"], "repo_roots"):
            value = data.get(key)
            if value is None:
                continue
            entries = split_roots(value) if isinstance(value, str) else list(value)
            remotes = [e for e in entries if isinstance(e, str) and is_remote(e)]
            data = {**data, key: [e for e in entries if not (isinstance(e, str) and is_remote(e))]}
            data["repo_remotes"] = [*data.get("repo_remotes", []), *remotes]
        return data

    @field_validator("repo_roots", "allowed_roots", mode="before")
    @classmethod
    def _split_paths(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]
        if isinstance(value, list):
            return [Path(p).expanduser() if isinstance(p, str) else p for p in value]
        return value

    @field_validator("saas_url", "team", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("role", mode="before")
    @classmethod
    def _lower_role(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=default_settings_file())
        return (init_settings, env_settings, toml)

    # --- derived ---------------------------------------------------------------------

    @property
    def remote_roots(self) -> list[str]:
        """Git remotes to audit: those among the repo roots, then the sources file's."""
        urls = list(self.repo_remotes)
        if self.repo_sources is not None:
            try:
                urls += read_sources(self.repo_sources)
            except TrackerError as exc:
                raise SettingsError(f"{ENV_NAMES['repo_sources']}: {exc}") from None
        return urls

    @property
    def mirror_dir(self) -> Path:
        """Where the partial mirrors of remote roots are kept."""
        return self.cache_dir.expanduser() / "mirrors"

    @property
    def effective_allowed_roots(self) -> list[Path]:
        """Where writes may go: the allowed roots, else the repo roots."""
        return list(self.allowed_roots) if self.allowed_roots is not None else list(self.repo_roots)

    def store_url(self) -> str:
        """``SK_TRACKER_DATABASE_URL``, else a SQLite file beside the activity log."""
        if self.database_url is not None and self.database_url.get_secret_value().strip():
            return self.database_url.get_secret_value().strip()
        from tracker_core.store.url import default_url  # SQLAlchemy only when used

        return default_url(self.activity_log.expanduser().parent)

    def require_url(self) -> str:
        if not self.saas_url:
            raise SettingsError(
                f"no host configured: set {ENV_NAMES['saas_url']} (e.g. https://spec-kitty.example)"
            )
        return self.saas_url

    def require_team(self) -> str:
        if not self.team:
            raise SettingsError(f"no team configured: set {ENV_NAMES['team']} to your team slug")
        return self.team

    def token_provider(self) -> TokenProvider:
        """The token from ``SK_TRACKER_TOKEN``, else from ``SK_TRACKER_TOKEN_FILE``."""
        if self.token is not None and self.token.get_secret_value().strip():
            return StaticToken(SecretStr(self.token.get_secret_value().strip()))
        if self.token_file is not None:
            return FileToken(self.token_file.expanduser())
        raise SettingsError(
            f"no token configured: set {ENV_NAMES['token']} or {ENV_NAMES['token_file']}"
        )


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and settings file, with ``overrides`` on top.
    Invalid values become one-line ``SettingsError``s naming the variable."""
    given = {k: v for k, v in overrides.items() if v is not None}
    path = default_settings_file()
    try:
        return Settings(**given)
    except tomllib.TOMLDecodeError as exc:
        raise settings_file.decode_error(path, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise settings_file.unreadable(path, exc) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = str(first["loc"][0]) if first.get("loc") else "settings"
        field = next((f for f, env in ENV_NAMES.items() if env == loc), loc)
        name = ENV_NAMES.get(field, field)
        # Not from an argument or the environment: then it came from the file.
        if field not in given and not settings_file.from_environment(name):
            line = settings_file.key_line(path, field)
            if line is not None:
                raise settings_file.invalid_value(path, field, line, first["msg"]) from None
        raise SettingsError(f"invalid setting {name}: {first['msg']}") from None
