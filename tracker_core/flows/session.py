"""A signed-in session for the dashboard and notebooks: the service plus who is
acting, with the role taken from the host's ``/me`` (or the ``role`` setting when the
host has no such endpoint) and writes limited to the allowed roots."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from tracker_core.access.actor import person
from tracker_core.access.policy import AccessPolicy, Role
from tracker_core.access.role_rules import lower_role
from tracker_core.access.settings import Settings
from tracker_core.errors import AuthError, HostError, HostUnavailableError, TeamForbiddenError
from tracker_core.flows.service import TrackerService

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
