"""Git servers on 127.0.0.1 for remote-root tests: ``git daemon`` (git://) and smart
HTTP (``git http-backend`` behind a small server with basic auth). Both serve bare
repos built with git itself, and stop when their fixture ends."""

from __future__ import annotations

import base64
import gzip
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tracker_core.access.actor import local_person

GIT_USER = "builder"
GIT_PASSWORD = "s3cret-git-pass"
PROTECT_MAIN = """#!/bin/sh
while read old new ref; do
  if [ "$ref" = "refs/heads/main" ]; then
    echo "main is protected: open a pull request" >&2
    exit 1
  fi
done
"""


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def make_bare(
    root: Path,
    name: str,
    files: Mapping[str, str | bytes],
    *,
    branch: str = "main",
    protect_main: bool = False,
) -> Path:
    """A bare repo ``root/name.git`` whose default branch holds ``files``."""
    work = root / ".work" / name
    work.mkdir(parents=True)
    git("init", "-q", "-b", branch, cwd=work)
    for rel, content in files.items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
    git("add", "-A", cwd=work)
    commit(work, "initial layout")
    bare = root / f"{name}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git("clone", "-q", "--bare", str(work), str(bare))
    git("config", "uploadpack.allowFilter", "true", cwd=bare)
    git("config", "http.receivepack", "true", cwd=bare)
    if protect_main:
        hook = bare / "hooks" / "pre-receive"
        hook.write_text(PROTECT_MAIN, encoding="utf-8")
        hook.chmod(0o755)
    return bare


def commit(work: Path, message: str) -> None:
    git(
        "-c", "user.name=Test", "-c", "user.email=test@example.com",
        "commit", "-q", "--allow-empty", "-m", message, cwd=work,
    )  # fmt: skip


def push_change(bare: Path, rel: str, content: str, message: str = "change") -> None:
    """Commit a change to ``bare``'s default branch (as another user would)."""
    work = bare.parent / ".work" / f"{bare.stem}-edit-{time.monotonic_ns()}"
    git("clone", "-q", str(bare), str(work))
    path = work / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    git("add", "-A", cwd=work)
    commit(work, message)
    git("push", "-q", "origin", "HEAD", cwd=work)


def show(bare: Path, rev: str, rel: str) -> bytes:
    return subprocess.run(
        ["git", "show", f"{rev}:{rel}"], cwd=bare, capture_output=True, check=True
    ).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(500):
        if proc.poll() is not None:
            raise RuntimeError("git daemon exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("git daemon did not start")


@dataclass
class GitDaemon:
    root: Path
    port: int
    log: Path  # the daemon's --verbose log: one "Request upload-pack" line per request

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}.git"

    def requests(self, name: str, service: str = "upload-pack") -> int:
        """How many connections asked ``service`` of ``name`` so far."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text.count(f"Request {service} for '/{name}.git'")


@pytest.fixture
def git_daemon(tmp_path: Path) -> Iterator[GitDaemon]:
    root = tmp_path / "served-git"
    root.mkdir()
    port = _free_port()
    log = tmp_path / "git-daemon.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [
                "git", "daemon", "--verbose", "--reuseaddr", "--export-all",
                "--enable=receive-pack", "--listen=127.0.0.1", f"--port={port}",
                f"--base-path={root}", str(root),
            ],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )  # fmt: skip
    try:
        _wait_port(port, proc)
        yield GitDaemon(root, port, log)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class HttpGitServer:
    root: Path
    port: int
    refuse: set[str] = field(default_factory=set)  # repos whose credentials are refused
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}.git"

    def fetch_commands(self, name: str) -> int:
        """How many protocol-v2 ``fetch`` commands (object downloads) ``name`` served."""
        return sum(
            1
            for method, path, body in self.requests
            if method == "POST" and path.startswith(f"/{name}.git/") and b"command=fetch" in body
        )


def _handler(server: HttpGitServer) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{GIT_USER}:{GIT_PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        break
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                return b"".join(chunks)
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            body = self._body() if self.command == "POST" else b""
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            server.requests.append((self.command, path, body))
            repo = path.strip("/").split(".git", 1)[0]
            auth = self.headers.get("Authorization")
            if auth:
                server.authorizations.append(auth)
            if auth != expected or repo in server.refuse:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            env = {
                "PATH": os.environ.get("PATH", ""),
                "GIT_PROJECT_ROOT": str(server.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": GIT_USER,
                "REMOTE_ADDR": "127.0.0.1",
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            }
            out = subprocess.run(
                ["git", "http-backend"], input=body, capture_output=True, env=env, check=False
            ).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            status = 200
            headers: list[tuple[str, str]] = []
            for line in head.decode("latin-1").split("\r\n"):
                key, _, value = line.partition(":")
                if key.lower() == "status":
                    status = int(value.strip().split()[0])
                elif key:
                    headers.append((key, value.strip()))
            self.send_response(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve

    return Handler


@pytest.fixture
def git_http(tmp_path: Path) -> Iterator[HttpGitServer]:
    root = tmp_path / "served-http"
    root.mkdir()
    handle = HttpGitServer(root, 0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(handle))
    handle.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield handle
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def git_user_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """git with no user or system config, the cache under ``tmp_path``, and the test
    server's credentials given only through ``GIT_ASKPASS``."""
    askpass = tmp_path / "askpass.sh"
    askpass.write_text(
        '#!/bin/sh\ncase "$1" in\n'
        f"  Username*) echo {GIT_USER} ;;\n"
        f"  *) echo {GIT_PASSWORD} ;;\nesac\n",
        encoding="utf-8",
    )
    askpass.chmod(0o755)
    home = tmp_path / "git-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_ASKPASS", str(askpass))
    monkeypatch.delenv("SSH_ASKPASS", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    # The actor is read from git's config once per process: not from this one, which
    # has no user, or later tests would act as whoever it left cached.
    local_person.cache_clear()
    yield cache
    local_person.cache_clear()
