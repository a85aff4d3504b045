"""What one host call is about, and the checks on where calls go.

``Call`` carries the endpoint and the routing keys of one logical call, for error
messages and routing-aware errors; ``check_base_url`` and ``check_team`` vet the
settings before any request leaves the machine.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version

import httpx

from tracker_core.errors import SettingsError
from tracker_core.safe_text import clean_text

RESOURCES_PATH = "/api/v1/tracker/resources/"
BIND_RESOLVE_PATH = "/api/v1/tracker/bind-resolve/"
BIND_CONFIRM_PATH = "/api/v1/tracker/bind-confirm/"
BIND_VALIDATE_PATH = "/api/v1/tracker/bind-validate/"
STATUS_PATH = "/api/v1/tracker/status/"
MAPPINGS_PATH = "/api/v1/tracker/mappings/"
ME_PATH = "/api/v1/me/"

URL_SETTING = "SPEC_KITTY_SAAS_URL"
TEAM_SETTING = "SK_TRACKER_TEAM"
TOKEN_SETTINGS = "SK_TRACKER_TOKEN (or SK_TRACKER_TOKEN_FILE)"  # noqa: S105 - variable names, not a secret
INSECURE_SETTING = "SK_TRACKER_ALLOW_INSECURE_HTTP"


def _package_version() -> str:
    try:
        return _dist_version("sk-tracker")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


DEFAULT_USER_AGENT = f"sk-tracker/{_package_version()}"

# Header-safe text: visible ASCII, no spaces or controls (tokens, team slugs, keys).
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")


@dataclass
class Call:
    """What one logical call was about: for messages and for routing-aware errors."""

    method: str
    path: str
    provider: str | None = None
    binding_ref: str | None = None
    project_slug: str | None = None
    tokens: list[str] = field(default_factory=list, repr=False)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    def host_text(self, value: object, *, max_len: int = 200) -> str:
        """Host-supplied text made printable, with any token this call sent masked."""
        text = clean_text(value, max_len=max_len)
        for token in self.tokens:
            text = text.replace(token, "[redacted]")
        return text

    def defaults(self) -> dict[str, str]:
        """What a response may leave out because the request already said it."""
        known = {"provider": self.provider, "binding_ref": self.binding_ref}
        return {k: v for k, v in known.items() if v}


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, allow_insecure_http: bool) -> str:
    text = base_url.strip() if isinstance(base_url, str) else ""
    if not text:
        raise SettingsError(f"no host URL: set {URL_SETTING} (e.g. https://spec-kitty.example)")
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise SettingsError(f"{URL_SETTING} is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise SettingsError(f"{URL_SETTING} must be an http(s) origin such as https://host[:port]")
    if url.userinfo:
        # Not echoed: the URL holds a credential.
        raise SettingsError(f"{URL_SETTING} must not contain a user name or password")
    if url.path.rstrip("/") or url.query or url.fragment:
        raise SettingsError(
            f"{URL_SETTING} must be an origin (scheme://host[:port]) with no path or query; "
            f"got {clean_text(text, max_len=120)!r}"
        )
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise SettingsError(
            f"refusing plain http:// to {clean_text(url.host, max_len=120)}: the token would "
            f"travel unencrypted; use https:// or set {INSECURE_SETTING}=1"
        )
    return str(url.copy_with(path="/", query=None, fragment=None)).rstrip("/")


def origin_of(base_url: str) -> str:
    """The host's origin as a client made for ``base_url`` names it (history scopes
    are keyed by it)."""
    return check_base_url(base_url, allow_insecure_http=True)


def check_team(team: str) -> str:
    text = team.strip() if isinstance(team, str) else ""
    if not text:
        raise SettingsError(f"no team: set {TEAM_SETTING} to your team slug")
    if not HEADER_SAFE.fullmatch(text):
        raise SettingsError(f"{TEAM_SETTING} must be a team slug without spaces or symbols")
    return text
