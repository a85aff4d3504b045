"""Tracker providers the host knows (the host's own list: it imports nothing from the client)."""

from __future__ import annotations

PROVIDERS: tuple[str, ...] = ("linear", "jira", "github", "gitlab", "azure_devops")


def normalize_provider(value: str) -> str | None:
    """``" Linear "`` → ``"linear"``, ``"azure-devops"`` → ``"azure_devops"``; None if unknown."""
    name = value.strip().lower().replace("-", "_")
    return name if name in PROVIDERS else None
