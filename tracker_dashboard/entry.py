"""Pages run only inside app.py.

A fresh Streamlit server that sees a ``pages/`` folder serves it the old way (each
file a page of its own, no app.py) until some session has run ``st.navigation``. A
first visit straight to ``/repositories`` would then get a page without the shared
sidebar. ``page_frame`` marks the runs that went through app.py; a page run outside
one hands over to app.py, which opens the page that was asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

APP = "app.py"
_REQUESTED_KEY = "_tracker_requested_page"
_frame = threading.local()  # one script thread per session run


@contextmanager
def page_frame() -> Iterator[None]:
    """Wrap ``page.run()`` in app.py."""
    _frame.active = True
    try:
        yield
    finally:
        _frame.active = False


def require_app(page: str) -> None:
    """First line of every page: outside app.py, go through it (then come back)."""
    if getattr(_frame, "active", False):
        return
    st.session_state[_REQUESTED_KEY] = page
    st.switch_page(APP)


def resume_requested_page() -> None:
    """In app.py, after ``st.navigation``: open the page a first visit asked for."""
    requested = st.session_state.pop(_REQUESTED_KEY, None)
    if isinstance(requested, str):
        st.switch_page(requested)
