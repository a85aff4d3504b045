"""A reference host whose tokens are recognisable canaries, to prove that no page,
log or file ever shows the token the dashboard signs in with.

Shared by the AppTest canary tests and the real-browser ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

from tests.support.host import HostHandle, host_settings
from tracker_host.server import run_in_thread

CANARY_ADMIN = "sk-canary-admin-Q7vX2mK9pL4wR8tZ"
CANARY_VIEWER = "sk-canary-viewer-H3nB6cJ1fD5sG0yU"
CANARIES = (CANARY_ADMIN, CANARY_VIEWER)


@contextmanager
def canary_host() -> Iterator[HostHandle]:
    """A reference host (dev mode, demo seed) whose admin and viewer tokens are the
    canaries."""
    settings = host_settings(
        admin_token=SecretStr(CANARY_ADMIN), viewer_token=SecretStr(CANARY_VIEWER)
    )
    with (
        run_in_thread(settings) as running,
        httpx.Client(base_url=running.url, timeout=10.0) as client,
    ):
        yield HostHandle(
            client,
            url=running.url,
            admin_token=CANARY_ADMIN,
            viewer_token=CANARY_VIEWER,
            running=running,
        )


def leaks(text: str | bytes) -> list[str]:
    """The canaries (or a recognisable half of one) found in ``text``."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    found = []
    for canary in CANARIES:
        secret_half = canary.split("-")[-1].encode()  # survives a cut or a mask
        if canary.encode() in data or secret_half in data:
            found.append(canary)
    return found


def files_leaking(root: Path) -> list[Path]:
    """Every file under ``root`` that contains a canary."""
    return [p for p in root.rglob("*") if p.is_file() and leaks(p.read_bytes())]
