"""tracker_core: see and fix which repositories are bound to which issue-tracker
resource through the spec-kitty SaaS host.

The small public surface is re-exported here. DataFrame builders (``resources_frame``
and friends) are loaded on first use, so ``import tracker_core`` does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tracker_core.access.policy import AccessPolicy
from tracker_core.access.settings import Settings, load_settings
from tracker_core.config.config_io import config_diff, load_config, write_tracker
from tracker_core.config.config_model import TrackerProjectConfig, TrackerSection
from tracker_core.config.identity import ProjectIdentity
from tracker_core.errors import (
    AlreadyBoundError,
    AuthError,
    BindError,
    ConfigConflictError,
    ConfigError,
    ConfigNotWrittenError,
    ForbiddenError,
    HostError,
    HostUnavailableError,
    InvalidCandidateTokenError,
    NoCandidatesError,
    NoInstallationError,
    PathNotAllowedError,
    PermissionDeniedError,
    ProtocolError,
    RateLimitedError,
    SelectionOutOfRangeError,
    SettingsError,
    StaleBindingError,
    TeamForbiddenError,
    TrackerError,
    UsageError,
)
from tracker_core.flows.activity import ActivityEntry, ActivityLog
from tracker_core.flows.audit import AuditReport, AuditRow, UpgradeResult
from tracker_core.flows.binding import BindOutcome
from tracker_core.flows.discovery import ProviderInventory
from tracker_core.flows.service import TrackerService
from tracker_core.flows.status import ProviderInstallation, StatusReport
from tracker_core.host.auth import CallbackToken, FileToken, StaticToken, TokenProvider
from tracker_core.host.client import HostClient
from tracker_core.local.scan import LocalRepo, find_repos, scan_roots
from tracker_core.local.walk import WalkReport, walk_roots
from tracker_core.providers import PROVIDERS, normalize_provider

if TYPE_CHECKING:
    from tracker_core.tables.frames import (
        audit_frame,
        bindings_frame,
        providers_frame,
        resources_frame,
        unclaimed_frame,
    )
    from tracker_core.tables.health import health_frame
    from tracker_core.tables.notebook import Workspace, connect, style

_LAZY_FRAMES = {
    "audit_frame",
    "bindings_frame",
    "health_frame",
    "providers_frame",
    "resources_frame",
    "unclaimed_frame",
}


_LAZY_NOTEBOOK = {"Workspace", "connect", "style"}


def __getattr__(name: str) -> Any:
    # Loaded on first use: both import pandas, which comes with the notebook extra.
    if name not in _LAZY_FRAMES | _LAZY_NOTEBOOK:
        raise AttributeError(f"module 'tracker_core' has no attribute {name!r}")
    module = "notebook" if name in _LAZY_NOTEBOOK else "frames"
    if name == "health_frame":
        module = "health"
    try:
        loaded = importlib.import_module(f"tracker_core.tables.{module}")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"tracker_core.{name} needs the notebook extra: pip install 'sk-tracker[notebook]'",
            name=exc.name,
        ) from exc
    return getattr(loaded, name)


__all__ = [
    "PROVIDERS",
    "AccessPolicy",
    "ActivityEntry",
    "ActivityLog",
    "AlreadyBoundError",
    "AuditReport",
    "AuditRow",
    "AuthError",
    "BindError",
    "BindOutcome",
    "CallbackToken",
    "ConfigConflictError",
    "ConfigError",
    "ConfigNotWrittenError",
    "FileToken",
    "ForbiddenError",
    "HostClient",
    "HostError",
    "HostUnavailableError",
    "InvalidCandidateTokenError",
    "LocalRepo",
    "NoCandidatesError",
    "NoInstallationError",
    "PathNotAllowedError",
    "PermissionDeniedError",
    "ProjectIdentity",
    "ProtocolError",
    "ProviderInstallation",
    "ProviderInventory",
    "RateLimitedError",
    "SelectionOutOfRangeError",
    "Settings",
    "SettingsError",
    "StaleBindingError",
    "StaticToken",
    "StatusReport",
    "TeamForbiddenError",
    "TokenProvider",
    "TrackerError",
    "TrackerProjectConfig",
    "TrackerSection",
    "TrackerService",
    "UpgradeResult",
    "UsageError",
    "WalkReport",
    "Workspace",
    "audit_frame",
    "bindings_frame",
    "config_diff",
    "connect",
    "find_repos",
    "health_frame",
    "load_config",
    "load_settings",
    "normalize_provider",
    "providers_frame",
    "resources_frame",
    "scan_roots",
    "style",
    "unclaimed_frame",
    "walk_roots",
    "write_tracker",
]
