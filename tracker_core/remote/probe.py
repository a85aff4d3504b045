"""Has a remote's branch moved since the mirror last fetched it? One cheap question
per remote, asked before any fetch. The same answer lists the remote's
``sk-tracker/bind-*`` branches: binds pushed there and not merged yet.

For ``git://`` remotes the question is asked in git's own wire protocol (v2
``ls-refs`` of the one branch the mirror follows) over a socket from this process:
no git process on this side, one short request on the server's. Every other remote,
and a ``git://`` one that git itself would reach differently (a ``core.gitProxy``,
``GIT_PROXY_COMMAND`` or ``url.*.insteadOf`` rule), is asked with ``git ls-remote``
so the user's credentials, ssh agent and rewrites apply. Whatever the native
question cannot answer is asked again through git, whose one-line reason is the one
reported.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from tracker_core.config.identity import kebab_case
from tracker_core.errors import RemoteError
from tracker_core.remote.git import run_git
from tracker_core.remote.urls import RemoteUrl

CONNECT_TIMEOUT = 10.0
_GIT_PORT = 9418
BRANCH_PREFIX = "sk-tracker/bind-"  # the branches a remote bind pushes
_BIND_REFS = f"refs/heads/{BRANCH_PREFIX}"


def bind_branch_name(slug: str) -> str:
    """The branch a remote bind of the project with this slug pushes: kebab-case, so
    that any slug a config holds makes a valid branch name."""
    return f"{BRANCH_PREFIX}{kebab_case(slug)[:80].rstrip('-')}"


# ``git daemon`` listens with a backlog of 5: a connection beyond the sixth waiting to
# be accepted is dropped by the kernel and retried a whole second later. Change
# checks are short enough to pile up, so at most this many run against one daemon.
CHECKS_PER_GIT_DAEMON = 5

_GATES: dict[str, threading.BoundedSemaphore] = {}  # by git:// server, for every cache
_GATES_LOCK = threading.Lock()


@contextlib.contextmanager
def _checking(remote: RemoteUrl) -> Iterator[None]:
    """Held while asking ``remote`` for its refs (see CHECKS_PER_GIT_DAEMON)."""
    if remote.scheme != "git":
        yield
        return
    with _GATES_LOCK:
        gate = _GATES.setdefault(remote.host, threading.BoundedSemaphore(CHECKS_PER_GIT_DAEMON))
    with gate:
        yield


@dataclass(frozen=True)
class RemoteRefs:
    """What the remote says now: where the followed branch points (``None``: it has
    no such branch), its bind branches (names without ``refs/heads/``), and its
    default branch (``HEAD``'s target, when the server says) with its commit id."""

    head: str | None
    bind_branches: tuple[str, ...] = ()
    default: str | None = None  # e.g. refs/heads/main
    default_head: str | None = None

    def moved_to(self, ref: str) -> str | None:
        """The remote's default branch when it is no longer ``ref`` (a rename)."""
        if self.default and self.default != ref and self.default.startswith("refs/heads/"):
            return self.default
        return None


def _refs_of(lines: list[tuple[str, str]], ref: str, default: str | None) -> RemoteRefs:
    """``RemoteRefs`` from (commit id, ref name) pairs and ``HEAD``'s target."""
    head = next((oid for oid, name in lines if name == ref), None)
    branches = sorted(
        name.removeprefix("refs/heads/") for _, name in lines if name.startswith(_BIND_REFS)
    )
    default_head = next((oid for oid, name in lines if name == "HEAD"), None)
    return RemoteRefs(head, tuple(branches), default, default_head)


@dataclass(frozen=True)
class Routing:
    """What in the user's git config changes how ``git://`` remotes are reached."""

    proxied: bool = False
    rewrites: tuple[str, ...] = ()  # url.*.insteadOf (and pushInsteadOf) prefixes

    def native(self, remote: RemoteUrl) -> bool:
        """Whether ``remote`` may be asked over a socket of our own."""
        if remote.scheme != "git" or self.proxied:
            return False
        return not any(remote.url.startswith(prefix) for prefix in self.rewrites)


def read_routing() -> Routing:
    """The user's git config rules that could redirect a ``git://`` remote (one git
    process per audit, not per remote)."""
    if os.environ.get("GIT_PROXY_COMMAND"):
        return Routing(proxied=True)
    try:
        out = run_git(["config", "--get-regexp", r"^(core\.gitproxy|url\..*\.insteadof)$"])
    except RemoteError:  # exit 1: no such setting (or no config at all)
        return Routing()
    rewrites: list[str] = []
    proxied = False
    for line in out.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        if key.lower() == "core.gitproxy":
            proxied = True
        elif value:
            rewrites.append(value)
    return Routing(proxied, tuple(rewrites))


def _pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def _read_section(stream: IO[bytes]) -> list[bytes]:
    """pkt-lines up to a flush (or delimiter) packet."""
    lines: list[bytes] = []
    while True:
        size_text = _read_exact(stream, 4)
        size = int(size_text, 16)
        if size in (0, 1):
            return lines
        if size < 4:
            raise ValueError("bad pkt-line")
        lines.append(_read_exact(stream, size - 4))


def _read_exact(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise ValueError("connection closed")
    return data


def _native_refs(remote: RemoteUrl, ref: str) -> RemoteRefs:
    """The refs asked over ``git://`` protocol v2. ``ValueError``/``OSError`` when the
    server does not answer so."""
    parts = urlsplit(remote.url)
    if not parts.hostname:
        raise ValueError("no host")
    request = b"git-upload-pack %s\0host=%s\0\0version=2\0" % (
        (parts.path or "/").encode(),
        parts.netloc.rpartition("@")[2].encode(),
    )
    address = (parts.hostname, parts.port or _GIT_PORT)
    with socket.create_connection(address, timeout=CONNECT_TIMEOUT) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        stream = sock.makefile("rb")
        sock.sendall(_pkt(request))
        capabilities = _read_section(stream)
        if not capabilities or capabilities[0].rstrip(b"\n") != b"version 2":
            raise ValueError("server does not speak protocol v2")
        # One write: a second small one would wait for the server's delayed ACK.
        command = _pkt(b"command=ls-refs\n") + b"0001" + _pkt(b"symrefs\n")
        for prefix in ("HEAD", ref, _BIND_REFS):
            command += _pkt(b"ref-prefix %s\n" % prefix.encode())
        sock.sendall(command + b"0000")
        answer = _read_section(stream)
    lines: list[tuple[str, str]] = []
    default = None
    for line in answer:
        oid, _, rest = line.rstrip(b"\n").decode("utf-8", "replace").partition(" ")
        name, *attributes = rest.split(" ")
        lines.append((oid, name))
        for attribute in attributes:
            if name == "HEAD" and attribute.startswith("symref-target:"):
                default = attribute.removeprefix("symref-target:")
    return _refs_of(lines, ref, default)


def remote_refs(remote: RemoteUrl, ref: str, git_dir: Path, routing: Routing) -> RemoteRefs:
    """Where ``ref`` points on the remote now, and its bind branches; ``RemoteError``
    with git's reason when the remote cannot be asked."""
    with _checking(remote):
        return _ask(remote, ref, git_dir, routing)


def _ask(remote: RemoteUrl, ref: str, git_dir: Path, routing: Routing) -> RemoteRefs:
    if routing.native(remote):
        try:
            return _native_refs(remote, ref)
        except (OSError, ValueError):
            pass  # ask git, for its own reason (or a transport it knows better)
    out = run_git(
        ["ls-remote", "--quiet", "--symref", "origin", "HEAD", ref, f"{_BIND_REFS}*"],
        cwd=git_dir,
    )
    lines: list[tuple[str, str]] = []
    default = None
    for line in out.decode("utf-8", "replace").splitlines():
        oid, _, name = line.partition("\t")
        if oid.startswith("ref: ") and name.strip() == "HEAD":
            default = oid.removeprefix("ref: ").strip()
        else:
            lines.append((oid.strip(), name.strip()))
    return _refs_of(lines, ref, default)
