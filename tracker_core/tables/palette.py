"""The binding states and how every face shows them, in one place: the list of
states a repo, a resource and a provider connection can be in (in display order),
one label per state (a symbol and a word, readable without colour), one colour per
state and one terminal style per state, shared by the dashboard's charts and
filters, the notebook's tables and the CLI, so a state looks the same everywhere
and no two states share a colour.

A leaf: imports nothing of ours.
"""

from __future__ import annotations

from typing import Final, Literal

# What ``AuditRow.kind`` can be (the state without its reason), in display order.
REPO_STATES: Final = (
    "bound",
    "legacy",
    "stale",
    "unbound",
    "misconfigured",
    "conflict",
    "unverified",
)
RESOURCE_STATES: Final = ("bound", "disabled", "available")
CONNECTION_STATES: Final = ("connected", "not_installed", "unreachable")

RESOURCE_STATE_LABELS: Final = {
    "bound": "● bound",
    "disabled": "⊘ disabled",
    "available": "○ available",
}
REPO_STATE_LABELS: Final = {
    "bound": "● bound",
    "legacy": "◐ legacy",
    "stale": "✕ stale",
    "unbound": "○ unbound",
    "misconfigured": "⚠ misconfigured",
    "conflict": "⚠ conflict",
    "unverified": "? unverified",
}
CONNECTION_LABELS: Final = {
    "connected": "● connected",
    "not_installed": "○ not installed",
    "unreachable": "✕ unreachable",
}

# state: (strong colour for marks, light tint for a cell's background, text on the tint)
STATES: dict[str, tuple[str, str, str]] = {
    "bound": ("#16a34a", "#dcfce7", "#14532d"),
    "available": ("#3b82f6", "#dbeafe", "#1e3a8a"),
    "legacy": ("#eab308", "#fef9c3", "#713f12"),
    "stale": ("#dc2626", "#fee2e2", "#7f1d1d"),
    "unbound": ("#64748b", "#e2e8f0", "#1e293b"),
    "misconfigured": ("#7c3aed", "#ede9fe", "#4c1d95"),
    "conflict": ("#f97316", "#ffedd5", "#7c2d12"),
    "unverified": ("#0891b2", "#cffafe", "#164e63"),
}

# Host statuses that read as one of the states.
ALIASES = {"active": "bound", "disabled": "stale", "deleted": "stale"}


def colour(state: str) -> str:
    """The strong colour of ``state`` (or of its kind, ``stale:…`` → stale)."""
    return STATES[_kind(state)][0]


def tint(state: str) -> str:
    """The light tint of ``state``: the background of a cell or pill that holds it."""
    return STATES[_kind(state)][1]


def cell_css(state: str) -> str:
    """CSS for a table cell holding ``state``; empty for anything else."""
    kind = _kind(state)
    if kind not in STATES:
        return ""
    _, tint, text = STATES[kind]
    return f"background-color: {tint}; color: {text}"


def _kind(state: str) -> str:
    kind = state.split(":", 1)[0]
    return ALIASES.get(kind, kind)


# Each resource pill's colour, keyed by its label (a disabled mapping reads as stale).
RESOURCE_STATE_COLOURS: Final = {label: tint(s) for s, label in RESOURCE_STATE_LABELS.items()}

# The resource status filter (every resource, or those in one state): each state's
# label with a capital, as a filter's choices read.
ResourceFilter = Literal["all", "bound", "disabled", "available"]
RESOURCE_FILTER_LABELS: Final[dict[ResourceFilter, str]] = {
    "all": "All",
    "bound": RESOURCE_STATE_LABELS["bound"].title(),
    "disabled": RESOURCE_STATE_LABELS["disabled"].title(),
    "available": RESOURCE_STATE_LABELS["available"].title(),
}

# The terminal (rich) style of each state, for the CLI.
REPO_STATE_STYLES: Final = {
    "bound": "green",
    "legacy": "yellow",
    "stale": "red",
    "unbound": "dim",
    "misconfigured": "red",
    "conflict": "magenta",
    "unverified": "yellow",
}
RESOURCE_STATE_STYLES: Final = {"bound": "bold green", "disabled": "red", "available": "dim"}
