"""Runners: `serve` (blocking, for the command line) and `run_in_thread` (tests, demo, benchmarks).

Both bind the socket themselves before uvicorn starts, so port 0 yields a known free
port and the URL is right the moment it is printed or returned.
"""

from __future__ import annotations

import ipaddress
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TextIO

import uvicorn
from fastapi import FastAPI

from .app import create_app
from .settings import HostSettings

DEFAULT_HOST = "127.0.0.1"
SHUTDOWN_GRACE_SECONDS = 2


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str = DEFAULT_HOST, port: int = 0) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio turns on TCP_NODELAY only for sockets that say
    # so, and without it every keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _server(app: FastAPI) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    return uvicorn.Server(config)


class RunningHost:
    """A host serving in a background thread on 127.0.0.1; `stop()` (or `with`) ends it."""

    def __init__(self, settings: HostSettings, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self.settings = settings
        self._sock = bind_socket(host, port)
        self.url = url_of(self._sock)
        self.app = create_app(settings)
        self._server = _server(self.app)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"tracker-host {self.url}",
            daemon=True,
        )

    def start(self, timeout: float = 10.0) -> RunningHost:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"reference host at {self.url} did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()
        self.app.state.runtime.store.close()

    def __enter__(self) -> RunningHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def run_in_thread(
    settings: HostSettings, host: str = DEFAULT_HOST, port: int = 0
) -> Iterator[RunningHost]:
    """``with run_in_thread(settings) as running: httpx.get(running.url + ...)``."""
    running = RunningHost(settings, host, port).start()
    try:
        yield running
    finally:
        running.stop()


def serve(
    settings: HostSettings,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    out: TextIO | None = None,
    show_admin_token: bool = True,
    show_viewer_token: bool = True,
) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit code (0 on a clean stop).

    The first line of `out` is the base URL. Then the team, and in dev mode the tokens
    this process generated (`show_*_token`; a token given by the caller is not echoed).
    """
    out = out or sys.stdout
    app = create_app(settings)
    sock = bind_socket(host, port)
    server = _server(app)
    print(url_of(sock), file=out, flush=True)
    print(f"team: {settings.team}", file=out)
    if settings.dev:
        admin = settings.admin_token.get_secret_value() if show_admin_token else "(as configured)"
        viewer = (
            settings.viewer_token.get_secret_value() if show_viewer_token else "(as configured)"
        )
        print(f"admin token ({settings.admin_user}): {admin}", file=out)
        print(f"viewer token ({settings.viewer_user}): {viewer}", file=out)
        print("dev controls: /api/v1/dev/", file=out)
    out.flush()

    def _stopped(signum: int, frame: FrameType | None) -> None:
        # uvicorn re-raises the signal that stopped it once it has shut down; this
        # handler absorbs it so a requested stop is a clean exit.
        return None

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
        app.state.runtime.store.close()
    return 0
