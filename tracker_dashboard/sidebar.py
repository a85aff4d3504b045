"""The sidebar every page shares: where the data comes from, who is signed in, how
fresh it is, and the Refresh button."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from tracker_core.errors import TrackerError
from tracker_core.safe_text import clean_text

from . import loaders
from .login_screen import sign_out_button
from .tab_session import DashboardSession
from .text import error_line


def _refresh() -> None:
    loaders.clear_all()
    st.session_state[loaders.REFRESHED_KEY] = datetime.now(UTC)


def _health(session: DashboardSession) -> datetime | None:
    """Connection health from the cached discovery; the time it was read."""
    try:
        inv = loaders.inventory(session)
    except TrackerError as exc:
        st.error(f"Host unreachable: {error_line(exc)}", icon=":material/cloud_off:")
        return None
    health = inv.health
    connected = int(health["connected"].sum())
    unreachable = inv.unreachable
    if unreachable:
        st.warning(
            f"{connected} of {len(health)} providers connected; could not read "
            f"{', '.join(unreachable)}",
            icon=":material/warning:",
        )
    else:
        st.success(
            f"{connected} of {len(health)} providers connected", icon=":material/cloud_done:"
        )
    return inv.fetched_at


def render(session: DashboardSession) -> None:
    with st.sidebar:
        # Host text (the user name) and paths go through st.text: plain text, never Markdown.
        st.caption("CONNECTION")
        st.text(f"Host: {session.host}\nTeam: {clean_text(session.team, max_len=100)}")
        fetched = _health(session)
        st.caption("SIGNED IN")
        st.text(clean_text(session.actor, max_len=120))
        if session.can_mutate:
            st.badge("admin", icon=":material/shield_person:", color="green")
        else:
            st.badge("viewer: read-only", icon=":material/visibility:", color="gray")
        if session.sign_in is not None:
            sign_out_button()
        st.caption("REPO ROOTS AUDITED")
        if not session.repo_roots and not session.remote_roots:
            st.warning("No repo roots: set SK_TRACKER_REPO_ROOTS to audit local repos.")
        allowed = [a.resolve() for a in session.allowed_roots]
        lines = []
        for root in session.repo_roots:
            real = root.resolve()
            writable = any(real == a or real.is_relative_to(a) for a in allowed)
            lines.append(
                f"{root}" + ("" if writable else "  (read-only: outside the allowed roots)")
            )
        lines += [f"{url}  (git remote)" for url in session.remote_roots]
        if lines:
            st.text("\n".join(lines))
        st.caption("DATA")
        if fetched is not None:
            st.text(f"Read at {fetched.astimezone():%H:%M:%S}; kept {int(loaders.TTL_SECONDS)} s")
        st.button(
            "Refresh",
            key="refresh",
            icon=":material/refresh:",
            on_click=_refresh,
            help="Read the host and the repos again (clears the cached data)",
            width="stretch",
        )
