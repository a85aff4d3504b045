"""The signed-in session of one browser tab.

Made once per Streamlit session (kept in ``st.session_state``, never in a cache
shared between sessions): the service with its access policy, and who is acting.
The role comes from the host's ``/me`` (else the ``SK_TRACKER_ROLE`` setting); a
rejected token, a wrong team or a host that cannot be reached stops the page with
one clear line instead of showing data read by another session.

When the deployment has sign-in configured (``login_screen.py``), the signed-in person's
mapped role caps that role and they are the actor; the session is kept only while
the same person with the same mapped role is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from tracker_core.access.actor import person
from tracker_core.access.policy import AccessPolicy
from tracker_core.access.settings import Settings, load_settings
from tracker_core.errors import HostUnavailableError, TrackerError
from tracker_core.flows.service import TrackerService
from tracker_core.flows.session import Identity, Session
from tracker_core.flows.session import open_session as sign_in_to_host

from .login_screen import SignIn, require_sign_in, sign_out_button
from .text import error_line

SESSION_KEY = "_tracker_session"


@dataclass(eq=False, repr=False)
class DashboardSession(Session):
    """The shared session, plus who signed in through the identity provider (when
    the deployment has sign-in configured) and, with the host down, why."""

    sign_in: SignIn | None = None
    host_down: str | None = None  # why the host could not be reached (local views still work)


def _login_name() -> str | None:
    """The person signed in through ``st.login`` (when the app has an identity
    provider configured), so the activity log names them rather than the token."""
    try:
        user = st.user
        if not user.get("is_logged_in"):
            return None
        name = user.get("email") or user.get("name")
    except Exception:  # no auth configured, or a platform without st.user
        return None
    return str(name) if name else None


def open_session(
    settings: Settings | None = None, sign_in: SignIn | None = None
) -> DashboardSession:
    """Sign in with the settings (environment, then settings file). Raises the
    ``TrackerError`` that stops the dashboard: bad settings, a rejected token, a
    wrong team, an unreachable host. With ``sign_in`` the acting role is the lower
    of the mapped role and the token's role, and the actor is that person."""
    settings = settings or load_settings()
    actor = sign_in.user.label if sign_in is not None else _login_name()
    try:
        # /me is asked once here: a host without it (or an unreadable answer) falls
        # back to the role setting; a rejected token or a wrong team raises.
        session = sign_in_to_host(
            settings, role=sign_in.role if sign_in is not None else None, actor=actor
        )
    except HostUnavailableError as exc:
        return _offline_session(settings, sign_in, actor, str(exc))
    return DashboardSession(
        settings=session.settings,
        service=session.service,
        identity=session.identity,
        sign_in=sign_in,
    )


def _offline_session(
    settings: Settings, sign_in: SignIn | None, actor: str | None, reason: str
) -> DashboardSession:
    """The host cannot be reached: a read-only session on what is local (the repos'
    configs, the activity log), so the pages that need no host still work."""
    policy = AccessPolicy(
        role="viewer", actor=person(actor), allowed_roots=settings.effective_allowed_roots
    )
    service = TrackerService.from_settings(settings, policy=policy)
    return DashboardSession(
        settings=settings,
        service=service,
        identity=Identity(user=policy.actor, role="viewer", source="offline"),
        sign_in=sign_in,
        host_down=reason,
    )


def retry() -> None:
    """Forget this tab's session (and the cached reads), so the next run signs in again."""
    existing = st.session_state.pop(SESSION_KEY, None)
    if isinstance(existing, DashboardSession):
        existing.service.close()


def current() -> DashboardSession:
    """This tab's session, signing in on first use; on failure the page shows the
    reason and a retry button, and stops."""
    sign_in = require_sign_in()  # the sign-in screen, when configured and signed out
    existing = st.session_state.get(SESSION_KEY)
    if isinstance(existing, DashboardSession):
        if existing.sign_in == sign_in:
            return existing
        # Someone else signed in, or their mapping changed: never reuse the old role.
        del st.session_state[SESSION_KEY]
        existing.service.close()
    try:
        session = open_session(sign_in=sign_in)
    except TrackerError as exc:
        st.error(error_line(exc))
        st.button("Retry", key="retry_sign_in")
        if sign_in is not None:
            sign_out_button()
        st.stop()
    st.session_state[SESSION_KEY] = session
    return session
