"""Project identity: who a local project is, as the host sees it (DESIGN §3)."""

from __future__ import annotations

import configparser
import getpass
import hashlib
import re
import socket
import uuid as uuid_mod
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ProjectIdentity:
    uuid: str
    slug: str
    node_id: str
    build_id: str | None = None
    repo_slug: str | None = None

    def to_payload(self) -> dict[str, Any]:
        """The ``project_identity`` object sent to the host (nullable keys present)."""
        payload: dict[str, Any] = {
            "uuid": self.uuid,
            "slug": self.slug,
            "node_id": self.node_id,
            "repo_slug": self.repo_slug,
        }
        if self.build_id is not None:
            payload["build_id"] = self.build_id
        return payload

    def with_repo_slug(self, repo_slug: str | None) -> ProjectIdentity:
        return replace(self, repo_slug=repo_slug)


def node_id() -> str:
    """``sha256("hostname:user")[:12]``, as spec-kitty computes it."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    return hashlib.sha256(f"{socket.gethostname()}:{user}".encode()).hexdigest()[:12]


def kebab_case(name: str) -> str:
    """``My_Project.v2`` -> ``my-project-v2``; never empty."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", name)
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text or "project"


_REMOTE_RE = re.compile(r"[:/]([^/:]+/[^/]+?)(?:\.git)?/?$")


def git_remote_slug(repo: Path) -> str | None:
    """``owner/name`` of the ``origin`` remote (else the first remote), read from
    ``.git/config`` without running git."""
    git_config = repo / ".git" / "config"
    if not git_config.is_file():
        return None
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(git_config, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    remotes = [s for s in parser.sections() if s.startswith('remote "')]
    remotes.sort(key=lambda s: s != 'remote "origin"')
    for section in remotes:
        url = parser.get(section, "url", fallback="").strip()
        match = _REMOTE_RE.search(url)
        if match:
            return match.group(1)
    return None


def derive_identity(repo: Path) -> ProjectIdentity:
    """A fresh identity for a repo that has none: uuid4; slug from the git remote's
    repo name, else the folder name, kebab-case; node_id of this machine."""
    remote = git_remote_slug(repo)
    base = remote.split("/", 1)[1] if remote else repo.resolve().name
    return ProjectIdentity(
        uuid=str(uuid_mod.uuid4()),
        slug=kebab_case(base),
        node_id=node_id(),
    )
