"""HTTP client for the host contract (DESIGN §4).

One ``HostClient`` per host and team. Every call returns a validated model from
``wire`` or raises one ``HostError`` subclass with a one-line message; nothing from
httpx or pydantic leaks. Transient failures (429, 5xx, connect errors, timeouts,
dropped connections) are retried with backoff inside a bounded total time; a 401 is
retried once after the token provider refreshes.

Decisions worth knowing:
- The token is read from the provider on every attempt and not kept on the client,
  so it cannot show in ``repr``. Text that came from the host and goes into an error
  message is cleaned to one printable line and has the token masked, in case a host
  echoes it.
- Redirects are not followed: the bearer token must only go to the configured
  origin. A redirect is reported with the URL to configure instead.
- ``bind-confirm`` is retried like the rest: every attempt of one call carries the
  same ``Idempotency-Key``, so the host answers a repeat with the first result.
- A stale code (``binding_not_found``, ``mapping_disabled``, ``project_mismatch``)
  becomes ``StaleBindingError`` only when the request was routed by a
  ``binding_ref``. Routed by ``project_slug`` alone there is no ref to call stale:
  it is a ``HostRequestError`` carrying the code (``error_code``) and a message
  about the slug, so callers still tell the cases apart without guessing.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import (
    AlreadyBoundError,
    AuthError,
    ForbiddenError,
    HostError,
    HostRequestError,
    HostUnavailableError,
    IdempotencyError,
    InvalidCandidateTokenError,
    NoInstallationError,
    ProtocolError,
    RateLimitedError,
    SettingsError,
    StaleBindingError,
    TeamForbiddenError,
    TrackerError,
    UnknownProviderError,
    UsageError,
)
from tracker_core.host.auth import FileToken, StaticToken, TokenProvider
from tracker_core.host.retry import RetryBudget, RetryPolicy, parse_retry_after
from tracker_core.host.wire import (
    BindResult,
    ErrorEnvelope,
    InstallationStatus,
    MappingList,
    Me,
    ProjectStatus,
    ResolveResult,
    ResourceList,
    ValidateResult,
)
from tracker_core.providers import normalize_provider
from tracker_core.safe_text import clean_text

_LOG = logging.getLogger("tracker_core.host.client")

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

# Failures where the request may not have reached the host, or the answer was lost:
# safe to send again (every endpoint is a read, or keyed by Idempotency-Key).
_RETRYABLE_NETWORK: tuple[type[httpx.HTTPError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

_STALE_REASONS = {
    "binding_not_found": "mapping_deleted",
    "mapping_disabled": "mapping_disabled",
    "project_mismatch": "project_mismatch",
}
_SLUG_STALE_TEXT = {
    "binding_not_found": "the host has no mapping for project slug '{slug}'",
    "mapping_disabled": "the mapping for project slug '{slug}' is disabled on the host",
    "project_mismatch": "the mapping for project slug '{slug}' belongs to another project",
}
_IDEMPOTENCY_CODES = frozenset({"idempotency_key_required", "idempotency_key_reused"})
_TEAM_HINT = re.compile(r"\bteam\b|x-team-slug", re.IGNORECASE)
# Header-safe text: visible ASCII, no spaces or controls (tokens, team slugs, keys).
_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")

M = TypeVar("M", bound=BaseModel)


@dataclass
class _Call:
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


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, allow_insecure_http: bool) -> str:
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
    return _check_base_url(base_url, allow_insecure_http=True)


def _check_team(team: str) -> str:
    text = team.strip() if isinstance(team, str) else ""
    if not text:
        raise SettingsError(f"no team: set {TEAM_SETTING} to your team slug")
    if not _HEADER_SAFE.fullmatch(text):
        raise SettingsError(f"{TEAM_SETTING} must be a team slug without spaces or symbols")
    return text


def _validation_problem(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    if not errors:
        return "invalid"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    # A missing field in our own words; pydantic's wording for the rest.
    problem = "missing" if first["type"] == "missing" else first["msg"]
    return f"{where}: {problem}{more}"


class HostClient:
    """Typed calls to the host's tracker API. Thread-safe; close it (or use ``with``)."""

    def __init__(
        self,
        base_url: str,
        token: TokenProvider | SecretStr | str,
        team: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        allow_insecure_http: bool = False,
        user_agent: str = DEFAULT_USER_AGENT,
    ) -> None:
        self.base_url = _check_base_url(base_url, allow_insecure_http)
        self.team = _check_team(team)
        if isinstance(token, str | SecretStr):
            self._tokens: TokenProvider = StaticToken(token)
        elif isinstance(token, TokenProvider):
            self._tokens = token
        else:
            raise UsageError("token must be a string, a SecretStr or a token provider")
        if not timeout > 0:
            raise UsageError(f"timeout must be a positive number of seconds, got {timeout}")
        self._timeout = float(timeout)
        self._retry = retry or RetryPolicy()
        self._count_lock = threading.Lock()
        self._request_count = 0
        # When the host asks one call to back off (429), every call of this client
        # holds off until then, instead of each thread finding out with its own 429.
        self._pause_lock = threading.Lock()
        self._pause_until = 0.0
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(self._timeout),
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "User-Agent": user_agent,
                "X-Team-Slug": self.team,
            },
        )

    def __repr__(self) -> str:
        return f"HostClient(base_url={self.base_url!r}, team={self.team!r})"

    @property
    def request_count(self) -> int:
        """HTTP requests attempted so far, retries included."""
        return self._request_count

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HostClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- endpoints -------------------------------------------------------------------

    def resources(self, provider: str) -> ResourceList:
        """Bindable resources of the team's installation for ``provider``."""
        name = normalize_provider(provider)
        call = _Call("GET", RESOURCES_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, ResourceList, call)

    def bind_resolve(self, provider: str, identity: ProjectIdentity) -> ResolveResult:
        """Match a project identity to an exact resource, candidates, or none."""
        name = normalize_provider(provider)
        call = _Call("POST", BIND_RESOLVE_PATH, provider=name)
        body = {"provider": name, "project_identity": identity.to_payload()}
        return self._parse(self._send(call, body=body), ResolveResult, call)

    def bind_confirm(
        self,
        provider: str,
        candidate_token: str,
        identity: ProjectIdentity,
        *,
        idempotency_key: str | None = None,
    ) -> BindResult:
        """Bind the project to the candidate. One key for all retries of this call; a
        new key (a new uuid4 unless given) for the next call."""
        name = normalize_provider(provider)
        if not candidate_token or not candidate_token.strip():
            raise UsageError("a candidate token is required to confirm a binding")
        key = str(uuid.uuid4()) if idempotency_key is None else idempotency_key
        if not _HEADER_SAFE.fullmatch(key):
            raise UsageError("an Idempotency-Key must be non-empty visible ASCII without spaces")
        call = _Call("POST", BIND_CONFIRM_PATH, provider=name)
        body = {
            "provider": name,
            "candidate_token": candidate_token,
            "project_identity": identity.to_payload(),
        }
        response = self._send(call, body=body, headers={"Idempotency-Key": key})
        return self._parse(response, BindResult, call)

    def bind_validate(
        self, provider: str, binding_ref: str, identity: ProjectIdentity
    ) -> ValidateResult:
        """Whether ``binding_ref`` still routes to a live mapping of this project."""
        name = normalize_provider(provider)
        if not binding_ref or not binding_ref.strip():
            raise UsageError("a binding_ref is required to validate a binding")
        call = _Call("POST", BIND_VALIDATE_PATH, provider=name, binding_ref=binding_ref)
        body = {
            "provider": name,
            "binding_ref": binding_ref,
            "project_identity": identity.to_payload(),
        }
        return self._parse(self._send(call, body=body), ValidateResult, call)

    def project_status(
        self,
        provider: str,
        *,
        binding_ref: str | None = None,
        project_slug: str | None = None,
    ) -> ProjectStatus:
        """Status of one project, routed by ``binding_ref`` when given (only it is
        sent, so the host cannot fall back to the slug), else by ``project_slug``."""
        name = normalize_provider(provider)
        params = {"provider": name}
        if binding_ref and binding_ref.strip():
            call = _Call("GET", STATUS_PATH, provider=name, binding_ref=binding_ref)
            params["binding_ref"] = binding_ref
        elif project_slug and project_slug.strip():
            call = _Call("GET", STATUS_PATH, provider=name, project_slug=project_slug)
            params["project_slug"] = project_slug
        else:
            raise UsageError(
                "project status needs a binding_ref or a project_slug "
                "(use installation_status for the whole installation)"
            )
        return self._parse(self._send(call, params=params), ProjectStatus, call)

    def installation_status(self, provider: str) -> InstallationStatus:
        """Installation-wide status: connection, resource count and every binding."""
        name = normalize_provider(provider)
        call = _Call("GET", STATUS_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, InstallationStatus, call)

    def mappings(self, provider: str) -> MappingList:
        """Every mapping of the installation, deleted ones included as tombstones."""
        name = normalize_provider(provider)
        call = _Call("GET", MAPPINGS_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, MappingList, call)

    def me(self) -> Me | None:
        """Who the token belongs to, or ``None`` when the host has no such endpoint."""
        call = _Call("GET", ME_PATH)
        response = self._send(call, none_on_404=True)
        if response is None:
            return None
        return self._parse(response, Me, call)

    # --- transport -------------------------------------------------------------------

    def _token_value(self) -> str:
        value = self._tokens.token().get_secret_value()
        if not value:
            raise AuthError(f"no token: set {TOKEN_SETTINGS}", user_action_required=True)
        if not _HEADER_SAFE.fullmatch(value):
            raise AuthError(
                f"the token contains spaces or control characters; check {TOKEN_SETTINGS}",
                user_action_required=True,
            )
        return value

    def _count(self) -> int:
        with self._count_lock:
            self._request_count += 1
            return self._request_count

    def _send(
        self,
        call: _Call,
        *,
        params: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        none_on_404: bool = False,
    ) -> httpx.Response | None:
        """Send with retries; a 2xx response, ``None`` for an allowed 404, or raise."""
        budget = RetryBudget(self._retry)
        url = self.base_url + call.path
        refreshed = False
        own_pause = 0.0  # the end of a pause this call set itself (and waited out)
        while True:
            token = self._token_value()
            if token not in call.tokens:
                call.tokens.append(token)
            request_headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
            self._wait_out_pause(budget, own_pause)
            budget.attempts += 1
            self._count()
            started = time.monotonic()
            # Never wait past the total budget, but give a late attempt a fair chance.
            attempt_timeout = min(self._timeout, max(budget.remaining, 1.0))
            try:
                response = self._http.request(
                    call.method,
                    url,
                    params=params,
                    json=body,
                    headers=request_headers,
                    timeout=attempt_timeout,
                )
            except _RETRYABLE_NETWORK as exc:
                reason = self._network_reason(exc, call, attempt_timeout)
                _LOG.debug(
                    "%s failed after %.1f ms (attempt %d): %s",
                    call.endpoint,
                    (time.monotonic() - started) * 1000,
                    budget.attempts,
                    reason,
                )
                wait = budget.next_wait()
                if wait is None:
                    raise self._unavailable(budget, reason) from None
                budget.wait(wait)
                continue
            except httpx.HTTPError as exc:
                raise HostUnavailableError(
                    f"request to {self.base_url} failed: {self._network_reason(exc, call, None)}"
                ) from None

            status = response.status_code
            _LOG.debug(
                "%s -> %d in %.1f ms (attempt %d)",
                call.endpoint,
                status,
                (time.monotonic() - started) * 1000,
                budget.attempts,
            )
            if 200 <= status < 300:
                return response
            if status == 404 and none_on_404:
                return None
            if status == 401:
                if not refreshed and self._refreshed_token(token):
                    refreshed = True
                    continue
                raise self._auth_error(response, call)
            if status == 429:
                asked = self._retry_after(response, call)
                wait = budget.next_wait(asked)
                if wait is None:
                    raise self._rate_limited(response, call, budget, asked)
                own_pause = self._pause_all(wait)
                budget.wait(wait)
                continue
            if status >= 500:
                reason = self._server_reason(response, call)
                wait = budget.next_wait()
                if wait is None:
                    raise self._unavailable(budget, reason, status_code=status)
                budget.wait(wait)
                continue
            raise self._error_for(response, call)

    def _pause_all(self, seconds: float) -> float:
        with self._pause_lock:
            self._pause_until = max(self._pause_until, time.monotonic() + seconds)
            return self._pause_until

    def _wait_out_pause(self, budget: RetryBudget, own_pause: float) -> None:
        """Hold this attempt while another call of this client was told to back off
        (a pause this call set itself was already waited out; never past this call's
        own time budget)."""
        with self._pause_lock:
            until = self._pause_until
        pause = until - time.monotonic()
        if pause > 0 and until > own_pause:
            budget.wait(min(pause, budget.remaining))

    def _refreshed_token(self, old: str) -> bool:
        """Ask the provider for a new token once; true when it gave a different one."""
        try:
            new = self._tokens.refresh()
        except TrackerError:
            raise
        except Exception as exc:  # a provider's own failure means "could not refresh"
            _LOG.debug("token refresh failed: %s", type(exc).__name__)
            return False
        if new is None:
            return False
        value = new.get_secret_value()
        _LOG.debug("token refreshed after 401: %s", "new token" if value != old else "unchanged")
        return bool(value) and value != old

    # --- parsing ---------------------------------------------------------------------

    def _parse(self, response: httpx.Response | None, model: type[M], call: _Call) -> M:
        if response is None:  # only me() allows a 404, and handles it before this
            raise ProtocolError(f"{call.endpoint}: no response")
        status = response.status_code
        try:
            data = response.json()
        except (ValueError, UnicodeDecodeError):
            raise ProtocolError(
                f"HTTP {status} from {call.endpoint}: body is not JSON "
                f"({self._content_type(response, call)})",
                status_code=status,
            ) from None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ProtocolError(
                f"HTTP {status} from {call.endpoint}: unexpected response shape, "
                f"{call.host_text(_validation_problem(exc))}",
                status_code=status,
            ) from None

    @staticmethod
    def _content_type(response: httpx.Response, call: _Call) -> str:
        value = response.headers.get("content-type", "")
        return call.host_text(value, max_len=60) or "no content type"

    @staticmethod
    def _envelope(response: httpx.Response) -> ErrorEnvelope | None:
        try:
            return ErrorEnvelope.model_validate(response.json())
        except (ValueError, UnicodeDecodeError, ValidationError):
            return None

    def _retry_after(self, response: httpx.Response, call: _Call) -> float | None:
        header = parse_retry_after(response.headers.get("retry-after"))
        if header is not None:
            return header
        envelope = self._envelope(response)
        if envelope is not None and envelope.retry_after_seconds is not None:
            return float(max(envelope.retry_after_seconds, 0))
        return None

    def _server_reason(self, response: httpx.Response, call: _Call) -> str:
        envelope = self._envelope(response)
        if envelope is not None and envelope.message:
            return f"HTTP {response.status_code}: {call.host_text(envelope.message, max_len=120)}"
        if envelope is None:
            kind = self._content_type(response, call)
            return f"HTTP {response.status_code} ({kind} body)"
        return f"HTTP {response.status_code} {envelope.error_code}"

    def _network_reason(self, exc: httpx.HTTPError, call: _Call, timeout: float | None) -> str:
        detail = call.host_text(str(exc), max_len=120)
        after = f" after {timeout:g}s" if timeout is not None else ""
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connect timed out{after}"
        if isinstance(exc, httpx.ReadTimeout):
            return f"no response{after} (read timeout)"
        if isinstance(exc, httpx.WriteTimeout):
            return f"sending the request timed out{after}"
        if isinstance(exc, httpx.PoolTimeout):
            return f"no free connection{after}"
        if isinstance(exc, httpx.ConnectError):
            return f"cannot connect ({detail or 'connection failed'})"
        if isinstance(exc, httpx.RemoteProtocolError):
            return f"connection closed unexpectedly ({detail or 'protocol error'})"
        return f"{type(exc).__name__}" + (f" ({detail})" if detail else "")

    # --- errors ----------------------------------------------------------------------

    def _unavailable(
        self, budget: RetryBudget, reason: str, *, status_code: int | None = None
    ) -> HostUnavailableError:
        attempts = budget.attempts
        return HostUnavailableError(
            f"host unavailable at {self.base_url} after {attempts} "
            f"attempt{'s' if attempts != 1 else ''}: {reason}",
            status_code=status_code,
            retryable=True,
        )

    def _rate_limited(
        self, response: httpx.Response, call: _Call, budget: RetryBudget, asked: float | None
    ) -> RateLimitedError:
        envelope = self._envelope(response)
        detail = call.host_text(envelope.message, max_len=120) if envelope else ""
        when = f"; the host asks to wait {asked:g}s" if asked is not None else ""
        return RateLimitedError(
            f"rate limited by the host at {self.base_url} after {budget.attempts} "
            f"attempt{'s' if budget.attempts != 1 else ''}{when}"
            + (f" ({detail})" if detail else ""),
            retry_after=asked,
            status_code=429,
            error_code="rate_limited",
            retryable=True,
        )

    def _token_fix(self) -> str:
        """The one setting that holds the rejected token (there is no login command)."""
        if isinstance(self._tokens, FileToken):
            return f"put a valid token in {self._tokens.path} (SK_TRACKER_TOKEN_FILE)"
        if isinstance(self._tokens, StaticToken):
            return "set SK_TRACKER_TOKEN to a valid token"
        return f"set {TOKEN_SETTINGS} to a valid token"

    def _auth_error(self, response: httpx.Response, call: _Call) -> AuthError:
        envelope = self._envelope(response)
        detail = call.host_text(envelope.message, max_len=120) if envelope else ""
        return AuthError(
            f"the host at {self.base_url} did not accept the token"
            + (f" ({detail})" if detail else "")
            + f": {self._token_fix()}",
            status_code=response.status_code,
            error_code=envelope.error_code if envelope else "unauthorized",
            user_action_required=True,
        )

    def _error_for(self, response: httpx.Response, call: _Call) -> HostError:
        status = response.status_code
        if 300 <= status < 400:
            location = call.host_text(response.headers.get("location", "?"), max_len=120)
            return ProtocolError(
                f"HTTP {status} from {call.endpoint} redirects to {location}; redirects are "
                f"not followed with a token: set {URL_SETTING} to the host's own origin",
                status_code=status,
            )
        envelope = self._envelope(response)
        if envelope is None:
            is_json = self._is_json(response)
            what = "body is not the error envelope" if is_json else "body is not JSON"
            hint = "; is the URL the host's origin?" if status == 404 else ""
            return ProtocolError(
                f"HTTP {status} from {call.endpoint}: {what} "
                f"({self._content_type(response, call)}){hint}",
                status_code=status,
            )
        return self._error_from_envelope(status, envelope, call)

    @staticmethod
    def _is_json(response: httpx.Response) -> bool:
        try:
            response.json()
        except (ValueError, UnicodeDecodeError):
            return False
        return True

    def _error_from_envelope(self, status: int, env: ErrorEnvelope, call: _Call) -> HostError:
        code = env.error_code.strip().lower()
        message = call.host_text(env.message) or f"HTTP {status}"
        provider = call.provider or "the"
        common: dict[str, Any] = {
            "status_code": status,
            "error_code": code,
            "retryable": env.retryable,
            "user_action_required": env.user_action_required,
        }
        if code == "unauthorized":
            return AuthError(
                f"the host at {self.base_url} did not accept the token ({message}): "
                f"{self._token_fix()}",
                **common,
            )
        if code == "forbidden":
            category = (env.error_category or "").lower()
            if category == "team" or _TEAM_HINT.search(env.message):
                return TeamForbiddenError(
                    f"the host refused team '{self.team}' for this token ({message}); "
                    f"set {TEAM_SETTING} to the team the token belongs to",
                    **common,
                )
            return ForbiddenError(
                f"not allowed by the host: {message}",
                **common,
            )
        if code == "no_installation":
            return NoInstallationError(
                f"no {provider} installation for team '{self.team}': connect the "
                f"{provider} tracker in the SaaS dashboard",
                provider=call.provider,
                **common,
            )
        if code == "unknown_provider":
            return UnknownProviderError(
                f"the host does not support provider '{provider}' ({message})", **common
            )
        if code == "rate_limited":
            return RateLimitedError(
                f"rate limited by the host ({message})",
                retry_after=env.retry_after_seconds,
                **common,
            )
        if code == "invalid_candidate_token":
            return InvalidCandidateTokenError(
                f"the candidate token expired or was already used ({message}); "
                "resolve the project again",
                **common,
            )
        if code == "already_bound":
            return AlreadyBoundError(
                f"the resource is already bound to another project: {message}", **common
            )
        if code in _STALE_REASONS:
            if call.binding_ref:
                return StaleBindingError(
                    binding_ref=call.binding_ref,
                    reason=_STALE_REASONS[code],
                    provider=call.provider or "",
                    status_code=status,
                    error_code=code,
                )
            if call.project_slug:
                what = _SLUG_STALE_TEXT[code].format(slug=call.host_text(call.project_slug))
                return HostRequestError(
                    f"{what}; bind it with: sk-tracker bind --provider {provider}",
                    **{**common, "user_action_required": True},
                )
        if code in _IDEMPOTENCY_CODES:
            return IdempotencyError(f"{call.endpoint}: {message} ({code})", **common)
        return HostRequestError(
            f"{call.endpoint} refused (HTTP {status} {call.host_text(code, max_len=60)}): "
            f"{message}",
            **common,
        )
