"""The tracker providers the contract knows. Adding one is adding it to ``PROVIDERS``."""

from __future__ import annotations

from tracker_core.errors import UsageError

PROVIDERS: tuple[str, ...] = ("linear", "jira", "github", "gitlab", "azure_devops")


def normalize_provider(value: str) -> str:
    """Lower-case and validate a provider name (``Linear`` -> ``linear``)."""
    name = value.strip().lower().replace("-", "_")
    if name not in PROVIDERS:
        raise UsageError(f"unknown provider {value!r}; expected one of: {', '.join(PROVIDERS)}")
    return name
