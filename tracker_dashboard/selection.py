"""The repos selected to act on, shared by the Repositories and Bind pages.

The canonical list lives under a plain session-state key (widget keys are dropped
when their page is left). Each page shows it in a multiselect that AppTest can
drive; the Repositories page also offers row selection in its table, and both
stay in sync through callbacks.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

SELECTED_KEY = "selected_repos"


def selected() -> list[str]:
    value = st.session_state.get(SELECTED_KEY, [])
    return list(value) if isinstance(value, list) else []


def set_selected(paths: Sequence[str]) -> None:
    seen: dict[str, None] = dict.fromkeys(paths)
    st.session_state[SELECTED_KEY] = list(seen)


def prune(known: Sequence[str]) -> list[str]:
    """Drop selected repos that are no longer under the roots."""
    keep = [p for p in selected() if p in set(known)]
    if keep != selected():
        set_selected(keep)
    return keep


def multiselect(
    label: str, options: Sequence[str], *, key: str, names: dict[str, str]
) -> list[str]:
    """A multiselect of repo paths bound to the shared selection."""
    current = prune(options)
    if st.session_state.get(key) != current:
        st.session_state[key] = current

    def changed() -> None:
        set_selected(st.session_state.get(key, []))

    return st.multiselect(
        label,
        options=list(options),
        key=key,
        format_func=lambda p: names.get(p, p),
        on_change=changed,
        placeholder="Choose repositories",
    )
