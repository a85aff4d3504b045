"""Git remote URLs as audit roots (``https://``, ``ssh://``, ``git://``, ``file://``
and scp-like ``git@host:org/repo.git``).

A URL with a password in it is refused: credentials belong to git's own helpers,
the ssh agent or ``GIT_ASKPASS``, never to a setting the tool would store or show.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from tracker_core.errors import UsageError

SCHEMES = ("https", "http", "ssh", "git", "file")
_SCP = re.compile(r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>(?!//)[^\s]+)$")
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
DEFAULT_PORTS = {"https": 443, "http": 80, "ssh": 22, "git": 9418}


def is_remote(text: str) -> bool:
    """Whether ``text`` names a git remote rather than a folder."""
    text = text.strip()
    match = _URL.match(text)
    if match:
        return match.group("scheme").lower() in SCHEMES
    # ``host:path`` is scp-like only with a user (``git@host:…``) or a dotted host;
    # a bare ``C:…`` or ``folder:…`` stays a path.
    scp = _SCP.match(text)
    return bool(scp and (scp.group("user") or "." in scp.group("host")))


@dataclass(frozen=True)
class RemoteUrl:
    """A parsed remote: ``url`` as given (what git is told), ``host`` (with a
    non-default port) and ``path`` (``org/repo``, without ``.git``)."""

    url: str
    scheme: str
    host: str
    path: str

    @property
    def key(self) -> str:
        """``host/org/repo``: equal for every URL of one repository (https, ssh, scp)."""
        return f"{self.host}/{self.path}".strip("/").lower()

    @property
    def name(self) -> str:
        """``host/org/repo`` as people say it; a ``file://`` remote by its path."""
        if self.scheme == "file":
            return f"/{self.path}"
        return f"{self.host}/{self.path}".strip("/")

    @property
    def repo_name(self) -> str:
        return PurePosixPath(self.path).name or self.host

    @property
    def web_base(self) -> str | None:
        """``https://host/org/repo`` for GitHub- and GitLab-shaped hosts."""
        host = self.host.split(":", 1)[0].lower()
        if "github" in host or "gitlab" in host:
            return f"https://{host}/{self.path}"
        return None


def _clean_path(path: str) -> str:
    path = path.strip("/")
    return path[:-4] if path.endswith(".git") else path


def parse_remote(text: str) -> RemoteUrl:
    """Parse a remote URL; ``UsageError`` for anything else or a URL with a password."""
    url = text.strip()
    match = _URL.match(url)
    if match:
        scheme = match.group("scheme").lower()
        if scheme not in SCHEMES:
            raise UsageError(f"unsupported remote scheme {scheme}:// (use https, ssh, git or file)")
        parts = urlsplit(url)
        if parts.password:
            raise UsageError(
                "a remote URL must not hold a password: use a git credential helper, "
                "the ssh agent or GIT_ASKPASS"
            )
        host = "" if scheme == "file" else (parts.hostname or "")
        if scheme != "file" and not host:
            raise UsageError(f"remote URL has no host: {redact(url)}")
        try:
            port = parts.port
        except ValueError:
            raise UsageError(f"remote URL has an invalid port: {redact(url)}") from None
        if port and port != DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
        path = _clean_path(parts.path)
        if not path:
            raise UsageError(f"remote URL names no repository: {redact(url)}")
        return RemoteUrl(url, scheme, host or "file", path)
    scp = _SCP.match(url)
    if scp and is_remote(url):
        path = _clean_path(scp.group("path"))
        if not path:
            raise UsageError(f"remote URL names no repository: {url}")
        return RemoteUrl(url, "ssh", scp.group("host"), path)
    raise UsageError(f"not a git remote URL: {text.strip()!r}")


def redact(text: str) -> str:
    """``text`` with any ``user:password@`` in URLs replaced by ``***@``."""
    return re.sub(r"(?<=://)[^/@\s]+@", "***@", text)


@dataclass(frozen=True)
class RemoteProject:
    """Where a remote project lives: a repository and the folder holding its
    ``.kittify/`` ("" for the top). Printed like a path by every face: ``str()`` is
    the URL (``#sub/dir`` appended for a nested project) and ``name`` is
    ``host/org/repo[/sub/dir]``."""

    remote: RemoteUrl
    subpath: str = ""

    @property
    def name(self) -> str:
        return f"{self.remote.name}/{self.subpath}" if self.subpath else self.remote.name

    @property
    def key(self) -> str:
        """Equal for this project however its repository's URL is written."""
        return f"{self.remote.key}/{self.subpath}" if self.subpath else self.remote.key

    @property
    def url(self) -> str:
        return self.remote.url

    @property
    def config_path(self) -> str:
        return f"{self.subpath}/.kittify/config.yaml" if self.subpath else ".kittify/config.yaml"

    def __str__(self) -> str:
        return f"{self.remote.url}#{self.subpath}" if self.subpath else self.remote.url


def parse_location(text: str, subpath: str | None = None) -> RemoteProject:
    """``URL`` or ``URL#sub/dir`` (``subpath`` given separately wins)."""
    url, _, inside = text.strip().partition("#")
    chosen = (subpath if subpath is not None else inside).strip().strip("/")
    if any(part in {"", ".", ".."} for part in chosen.split("/")) and chosen:
        raise UsageError(f"invalid path inside the repository: {chosen!r}")
    return RemoteProject(parse_remote(url), chosen)


def location_name(text: str) -> str | None:
    """How every face names a remote project written as text (``URL`` or
    ``URL#sub/dir``, as rows and the activity log hold it): ``host/org/repo[/sub/dir]``;
    ``None`` for anything that is not a remote."""
    url = text.strip().partition("#")[0]
    if not url or not is_remote(url):
        return None
    try:
        return parse_location(text).name
    except UsageError:
        return None


def split_roots(text: str) -> list[str]:
    """Entries of ``SK_TRACKER_REPO_ROOTS``: folders and remote URLs separated by the
    path separator (or newlines). The ``:`` inside a URL (``https://``, a port,
    ``git@host:org/repo``) does not split it."""
    out: list[str] = []
    for line in text.splitlines():
        pieces = line.split(os.pathsep)
        i = 0
        while i < len(pieces):
            piece = pieces[i].strip()
            i += 1
            if os.pathsep == ":" and piece:
                if piece.lower() in SCHEMES and i < len(pieces) and pieces[i].startswith("//"):
                    piece += ":" + pieces[i]
                    i += 1
                    # a port: ``host:2222/org/repo``
                    if i < len(pieces) and re.match(r"^\d+(/|$)", pieces[i]):
                        piece += ":" + pieces[i]
                        i += 1
                elif re.match(r"^[^@/\s]+@[A-Za-z0-9.-]+$", piece) and i < len(pieces):
                    piece += ":" + pieces[i]
                    i += 1
            if piece:
                out.append(piece)
    return out


def read_sources(path: Path) -> list[str]:
    """Remote URLs listed in a file (``SK_TRACKER_REPO_SOURCES``): one per line,
    blank lines and ``#`` comments ignored."""
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot read the repo sources file {path}: {reason}") from None
    urls: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if not is_remote(line):
            raise UsageError(f"{path}:{number}: not a git remote URL: {line!r}")
        urls.append(line)
    return urls
