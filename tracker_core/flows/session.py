"""The signed-in session the dashboard and the notebook share: the service plus who is
acting, with the role taken from the host's ``/me`` (asked once per sign-in; the
``role`` setting when the host has no such endpoint) and writes limited to the
allowed roots."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import httpx

from tracker_core.access.actor import person
from tracker_core.access.policy import AccessPolicy, Role
from tracker_core.access.role_rules import lower_role
from tracker_core.access.settings import Settings, load_settings
from tracker_core.closing import Closing
from tracker_core.errors import AuthError, HostError, HostUnavailableError, TeamForbiddenError
from tracker_core.flows.service import TrackerService
from tracker_core.safe_text import clean_text

log = logging.getLogger("tracker_core.flows.session")


@dataclass(frozen=True)
class Identity:
    user: str
    role: Role
    source: str  # "host" (from /me) or "settings"


def resolve_identity(service: TrackerService, settings: Settings) -> Identity:
    """The acting person (see ``actor.person``) and the token's role. A host without
    ``/me`` (404) falls back to the ``role`` setting. A rejected token, a wrong team
    or a host that cannot be reached raise here, at sign-in, rather than failing
    every later read; any other answer also falls back to the setting."""
    try:
        me = service.me()
    except (AuthError, TeamForbiddenError, HostUnavailableError):
        service.close()
        raise
    except HostError as exc:
        log.debug("/me unavailable: %s", exc)
        me = None
    if me is not None:
        return Identity(user=person(), role=me.role, source="host")
    return Identity(user=person(), role=settings.role, source="settings")


def open_service(
    settings: Settings,
    *,
    role: Role | None = None,
    actor: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[TrackerService, Identity]:
    """A service whose policy carries the acting role and the allowed roots.

    ``role`` caps the role from the host (a deployment's sign-in may grant less than
    the shared token could do, never more); ``actor`` is the signed-in person, if any."""
    probe = TrackerService.from_settings(settings, transport=transport)
    ident = resolve_identity(probe, settings)
    effective = lower_role(ident.role, role)
    ident = Identity(user=person(actor), role=effective, source=ident.source)
    probe.policy = AccessPolicy(
        role=effective, actor=ident.user, allowed_roots=settings.effective_allowed_roots
    )
    return probe, ident


@dataclass(eq=False, repr=False)
class Session(Closing):
    """A signed-in connection to one host and team: the service (whose policy carries
    the acting role and the allowed roots), who is acting, and the settings it was
    opened with. The notebook's ``Workspace`` and the dashboard's tab session are
    this object with their face's reads added."""

    settings: Settings
    service: TrackerService
    identity: Identity

    @property
    def host(self) -> str:
        return self.service.client.base_url

    @property
    def team(self) -> str:
        return self.service.client.team

    @property
    def role(self) -> Role:
        return self.service.policy.role

    @property
    def user(self) -> str:
        """Who the host says the token belongs to (or the signed-in person), cleaned."""
        return clean_text(self.identity.user, max_len=100)

    @property
    def actor(self) -> str:
        """The name the activity log records for this session's writes."""
        return self.service.policy.actor

    @property
    def can_mutate(self) -> bool:
        return self.service.policy.can_mutate

    @property
    def repo_roots(self) -> tuple[Path, ...]:
        return tuple(p.expanduser() for p in self.settings.repo_roots)

    @property
    def allowed_roots(self) -> tuple[Path, ...]:
        return tuple(p.expanduser() for p in self.settings.effective_allowed_roots)

    @property
    def remote_roots(self) -> tuple[str, ...]:
        """Git remote URLs to audit beside the folders."""
        return tuple(self.settings.remote_roots)

    def __repr__(self) -> str:  # never the settings: they hold the token
        return (
            f"{type(self).__name__}(host={self.host!r}, team={clean_text(self.team)!r}, "
            f"role={self.role!r}, user={self.user!r})"
        )

    def close(self) -> None:
        self.service.close()


def open_session(
    settings: Settings | None = None,
    *,
    role: Role | None = None,
    actor: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Session:
    """Sign in with ``settings`` (default: environment, then the settings file).
    Raises the ``TrackerError`` that stops a face: bad settings, a rejected token, a
    wrong team, an unreachable host. ``role`` caps the host's role; ``actor`` names
    the person acting (a deployment's sign-in) instead of the token's user."""
    settings = settings or load_settings()
    service, identity = open_service(settings, role=role, actor=actor, transport=transport)
    return Session(settings=settings, service=service, identity=identity)
