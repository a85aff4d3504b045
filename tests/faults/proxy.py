"""A loopback TCP proxy that misbehaves on purpose: it resets or stalls the first N
connections, then forwards the rest to the real host. Used to put connection resets
and timeouts between a real client and the reference host."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit


class FaultyProxy:
    def __init__(self, upstream_url: str, *, reset_first: int = 0, stall_first: int = 0) -> None:
        parts = urlsplit(upstream_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.reset_left = reset_first
        self.stall_left = stall_first
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _take(self, kind: str) -> bool:
        with self._lock:
            left = getattr(self, kind)
            if left > 0:
                setattr(self, kind, left - 1)
                return True
            return False

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            if self._take("reset_left"):
                # SO_LINGER 0 turns close() into a TCP RST: a connection reset by peer.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                with contextlib.suppress(OSError):
                    conn.recv(65536)
                return
            if self._take("stall_left"):
                # Read the request and never answer: the client's read timeout fires.
                self._stop.wait(30)
                return
            self._pump(conn)

    def _pump(self, conn: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            return
        with upstream:
            pair = {conn: upstream, upstream: conn}
            while not self._stop.is_set():
                ready, _, _ = select.select(list(pair), [], [], 0.5)
                for src in ready:
                    try:
                        data = src.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    pair[src].sendall(data)

    def start(self) -> FaultyProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)


@contextlib.contextmanager
def faulty_proxy(upstream_url: str, **kw: int) -> Iterator[FaultyProxy]:
    proxy = FaultyProxy(upstream_url, **kw).start()
    try:
        yield proxy
    finally:
        proxy.stop()
