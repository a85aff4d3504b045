"""What the pages show while the host cannot be reached: the reason and a Retry
button. Pages built on local data (repos, activity) say so and go on; pages that
only the host can fill stop there instead of showing nothing."""

from __future__ import annotations

import streamlit as st

from . import loaders
from .tab_session import DashboardSession, retry
from .text import md_text


def _retry() -> None:
    retry()
    loaders.clear_all()


def retry_button(key: str) -> None:
    st.button("Retry", key=key, icon=":material/refresh:", on_click=_retry)


def notice(session: DashboardSession, *, needs_host: bool) -> None:
    """Nothing while the host is up. Otherwise the reason and Retry; a page that
    ``needs_host`` stops after them."""
    if session.host_down is None:
        return
    if needs_host:
        st.warning(
            "The host is down, and this page shows only what the host knows: "
            + md_text(session.host_down),
            icon=":material/cloud_off:",
        )
        retry_button("retry_host_page")
        st.stop()
    st.warning(
        "The host is down: repos are shown from their configs alone (unverified), "
        "read-only. " + md_text(session.host_down),
        icon=":material/cloud_off:",
    )
    retry_button("retry_host_page")
