"""Small widget helpers shared by the pages."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import streamlit as st

from tracker_core.errors import TrackerError
from tracker_core.tables import views

from .tab_session import DashboardSession
from .text import error_line, md_text

log = logging.getLogger("tracker_dashboard")


@contextmanager
def guard() -> Iterator[None]:
    """Show a failure as one line in the page, never as a traceback. Streamlit's
    own stop/rerun signals are BaseExceptions and pass through."""
    try:
        yield
    except TrackerError as exc:
        st.error(error_line(exc))
    except Exception as exc:  # a bug: keep the page usable, put the details in the log
        log.exception("dashboard page failed")
        st.error(f"Unexpected error ({md_text(type(exc).__name__)}); see the server log.")


def repo_key(repo: str) -> str:
    """A short stable widget-key part for a repo path."""
    return hashlib.sha256(repo.encode("utf-8")).hexdigest()[:12]


def download_csv(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    file_name: str,
    key: str,
    label: str,
    complete: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> None:
    """A CSV download of exactly ``frame[columns]`` (the rows and columns shown).
    The CSV is made only when the button is clicked, so a rerun of a page showing
    20,000 rows does not pay for it; so are the columns ``complete`` adds."""
    shown = frame
    wanted = list(columns)

    def make() -> bytes:
        return views.csv_bytes(shown if complete is None else complete(shown), wanted)

    st.download_button(
        label,
        data=make,
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def pills(states: pd.Series) -> pd.Series:
    """``states`` as one-item lists, the shape ``pill_column`` shows as coloured pills."""
    return pd.Series([[s] for s in states.tolist()], index=states.index, dtype=object)


def pill_column(label: str, colours: dict[str, str], *, width: int) -> Any:
    """A read-only column of coloured pills, one colour per value. The colour goes to
    the browser once per value, not per row, so 20,000 rows cost no more than text."""
    return st.column_config.MultiselectColumn(
        label, width=width, options=list(colours), color=list(colours.values())
    )


def viewer_notice(session: DashboardSession) -> None:
    if not session.can_mutate:
        st.info(
            "You are signed in as a viewer: you can look at everything and export it, "
            "but binding and writing configs are for admins.",
            icon=":material/visibility:",
        )
