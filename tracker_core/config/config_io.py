"""The config file's public API in one place: reading (:mod:`.reader`, which agrees
with YAML or refuses the file) and writing (:mod:`.writer`, byte-preserving, locked,
atomic, proven by :mod:`.readback` before it is written)."""

from __future__ import annotations

from tracker_core.config.reader import (
    MAX_CONFIG_BYTES,
    PROJECT_KEYS,
    TRACKER_KEYS,
    config_path,
    load_config,
    parse_config_bytes,
    scan_config,
)
from tracker_core.config.writer import (
    NewIdentity,
    Plan,
    config_diff,
    render_tracker_update,
    update_tracker,
    write_tracker,
)

__all__ = [
    "MAX_CONFIG_BYTES",
    "PROJECT_KEYS",
    "TRACKER_KEYS",
    "NewIdentity",
    "Plan",
    "config_diff",
    "config_path",
    "load_config",
    "parse_config_bytes",
    "render_tracker_update",
    "scan_config",
    "update_tracker",
    "write_tracker",
]
