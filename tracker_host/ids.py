"""Identifiers and timestamps the host hands out."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def encode_crockford(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_binding_ref(now: float) -> str:
    """``srm_`` + a ULID: 48-bit milliseconds then 80 random bits, 26 Crockford chars."""
    millis = int(now * 1000) & ((1 << 48) - 1)
    value = (millis << 80) | secrets.randbits(80)
    return "srm_" + encode_crockford(value, 26)


def iso_timestamp(now: float) -> str:
    """UTC, second precision, ``Z`` suffix: ``2025-01-15T09:30:00Z``."""
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
