"""HTTP client for the host contract (DESIGN §4).

One ``HostClient`` per host and team. Every call returns a validated model from
``wire`` or raises one ``HostError`` subclass with a one-line message; nothing from
httpx or pydantic leaks. Transient failures (429, 5xx, connect errors, timeouts,
dropped connections) are retried with backoff inside a bounded total time; a 401 is
retried once after the token provider refreshes (``auth``). ``answers`` reads bodies and
``refusals`` turns refusals into errors.

Decisions worth knowing:
- The token is read from the provider on every attempt and not kept on the client,
  so it cannot show in ``repr``. Text that came from the host and goes into an error
  message is cleaned to one printable line and has the token masked, in case a host
  echoes it.
- Redirects are not followed: the bearer token must only go to the configured
  origin. A redirect is reported with the URL to configure instead.
- ``bind-confirm`` is retried like the rest: every attempt of one call carries the
  same ``Idempotency-Key``, so the host answers a repeat with the first result.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from tracker_core.closing import Closing
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import (
    HostUnavailableError,
    ProtocolError,
    UsageError,
)
from tracker_core.host.answers import parse, retry_after
from tracker_core.host.auth import (
    StaticToken,
    TokenProvider,
    refreshed_token,
    token_fix,
    token_value,
)
from tracker_core.host.call import (
    BIND_CONFIRM_PATH,
    BIND_RESOLVE_PATH,
    BIND_VALIDATE_PATH,
    DEFAULT_USER_AGENT,
    HEADER_SAFE,
    MAPPINGS_PATH,
    ME_PATH,
    RESOURCES_PATH,
    STATUS_PATH,
    Call,
    check_base_url,
    check_team,
    origin_of,
)
from tracker_core.host.refusals import (
    auth_error,
    error_for,
    network_reason,
    rate_limited,
    server_reason,
    unavailable,
)
from tracker_core.host.retry import RetryBudget, RetryPolicy
from tracker_core.host.wire import (
    BindResult,
    InstallationStatus,
    MappingList,
    Me,
    ProjectStatus,
    ResolveResult,
    ResourceList,
    ValidateResult,
)
from tracker_core.providers import normalize_provider

_LOG = logging.getLogger("tracker_core.host.client")


# Failures where the request may not have reached the host, or the answer was lost:
# safe to send again (every endpoint is a read, or keyed by Idempotency-Key).
_RETRYABLE_NETWORK: tuple[type[httpx.HTTPError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)

M = TypeVar("M", bound=BaseModel)

__all__ = ["DEFAULT_USER_AGENT", "HostClient", "origin_of"]


class HostClient(Closing):
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
        self.base_url = check_base_url(base_url, allow_insecure_http)
        self.team = check_team(team)
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

    # --- endpoints -------------------------------------------------------------------

    def resources(self, provider: str) -> ResourceList:
        """Bindable resources of the team's installation for ``provider``."""
        name = normalize_provider(provider)
        call = Call("GET", RESOURCES_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, ResourceList, call)

    def bind_resolve(self, provider: str, identity: ProjectIdentity) -> ResolveResult:
        """Match a project identity to an exact resource, candidates, or none."""
        name = normalize_provider(provider)
        call = Call("POST", BIND_RESOLVE_PATH, provider=name)
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
        if not HEADER_SAFE.fullmatch(key):
            raise UsageError("an Idempotency-Key must be non-empty visible ASCII without spaces")
        call = Call("POST", BIND_CONFIRM_PATH, provider=name)
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
        """Whether ``binding_ref`` still routes to a live mapping of this project. The
        host's ``guidance`` and ``message`` come back as cleaned one-line text."""
        name = normalize_provider(provider)
        if not binding_ref or not binding_ref.strip():
            raise UsageError("a binding_ref is required to validate a binding")
        call = Call("POST", BIND_VALIDATE_PATH, provider=name, binding_ref=binding_ref)
        body = {
            "provider": name,
            "binding_ref": binding_ref,
            "project_identity": identity.to_payload(),
        }
        result = self._parse(self._send(call, body=body), ValidateResult, call)
        said = {k: getattr(result, k) for k in ("guidance", "message") if getattr(result, k)}
        if not said:
            return result
        return result.model_copy(
            update={k: call.host_text(v, max_len=300) for k, v in said.items()}
        )

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
            call = Call("GET", STATUS_PATH, provider=name, binding_ref=binding_ref)
            params["binding_ref"] = binding_ref
        elif project_slug and project_slug.strip():
            call = Call("GET", STATUS_PATH, provider=name, project_slug=project_slug)
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
        call = Call("GET", STATUS_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, InstallationStatus, call)

    def mappings(self, provider: str) -> MappingList:
        """Every mapping of the installation, deleted ones included as tombstones."""
        name = normalize_provider(provider)
        call = Call("GET", MAPPINGS_PATH, provider=name)
        response = self._send(call, params={"provider": name})
        return self._parse(response, MappingList, call)

    def me(self) -> Me | None:
        """Who the token belongs to, or ``None`` when the host has no such endpoint."""
        call = Call("GET", ME_PATH)
        response = self._send(call, none_on_404=True)
        if response is None:
            return None
        return self._parse(response, Me, call)

    # --- transport -------------------------------------------------------------------

    def _count(self) -> int:
        with self._count_lock:
            self._request_count += 1
            return self._request_count

    def _send(
        self,
        call: Call,
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
            token = token_value(self._tokens)
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
                reason = network_reason(exc, call, attempt_timeout)
                _LOG.debug(
                    "%s failed after %.1f ms (attempt %d): %s",
                    call.endpoint,
                    (time.monotonic() - started) * 1000,
                    budget.attempts,
                    reason,
                )
                wait = budget.next_wait()
                if wait is None:
                    raise unavailable(self.base_url, budget, reason) from None
                budget.wait(wait)
                continue
            except httpx.HTTPError as exc:
                raise HostUnavailableError(
                    f"request to {self.base_url} failed: {network_reason(exc, call, None)}"
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
                if not refreshed and refreshed_token(self._tokens, token):
                    refreshed = True
                    continue
                raise auth_error(self.base_url, response, call, token_fix(self._tokens))
            if status == 429:
                asked = retry_after(response)
                wait = budget.next_wait(asked)
                if wait is None:
                    raise rate_limited(self.base_url, response, call, budget, asked)
                own_pause = self._pause_all(wait)
                budget.wait(wait)
                continue
            if status >= 500:
                reason = server_reason(response, call)
                wait = budget.next_wait()
                if wait is None:
                    raise unavailable(self.base_url, budget, reason, status_code=status)
                budget.wait(wait)
                continue
            raise error_for(self.base_url, self.team, response, call, token_fix(self._tokens))

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

    # --- reading answers ---------------------------------------------------------------

    def _parse(self, response: httpx.Response | None, model: type[M], call: Call) -> M:
        if response is None:  # only me() allows a 404, and handles it before this
            raise ProtocolError(f"{call.endpoint}: no response")
        return parse(response, model, call)
