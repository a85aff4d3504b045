"""What a project's git checkout says about it, read from ``.git`` without running git
(except for the root commits, asked of git only when two checkouts share a uuid and
have no origin to compare).

A linked worktree's ``.git`` is a file ``gitdir: <main>/.git/worktrees/<name>``; that
folder's ``commondir`` names the main repository's git dir, whose parent is the main
checkout.
"""

from __future__ import annotations

import configparser
import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GitFacts:
    """One checkout. Branch and origin are read when first asked for: a scan of
    thousands of projects needs them only for the few that share an identity."""

    top: Path  # the checkout: the folder holding ``.git``
    gitdir: Path  # this checkout's own git dir (``.git``, or ``.git/worktrees/<name>``)
    common_dir: Path  # the repository's git dir, shared by all its worktrees
    main_top: Path | None  # for a linked worktree: its main checkout

    @property
    def is_worktree(self) -> bool:
        return self.main_top is not None

    @property
    def branch(self) -> str | None:
        """The checked-out branch (None when detached)."""
        return _branch(self.gitdir)

    @property
    def origin(self) -> str | None:
        """The ``origin`` remote, normalised (``host/owner/name``)."""
        return _origin(self.common_dir)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


_SCP_RE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$", re.I)


def normalize_remote(url: str) -> str:
    """``git@github.com:Acme/x.git`` and ``https://github.com/acme/x`` are one origin:
    ``github.com/acme/x``. A local path stays a path (without a trailing ``.git``)."""
    text = url.strip().rstrip("/")
    match = _URL_RE.match(text) or _SCP_RE.match(text)
    if match and not text.startswith("file://"):
        host, path = match.group(1), match.group(2)
        text = f"{host}/{path}"
    elif text.startswith("file://"):
        text = text[len("file://") :]
    text = text.removesuffix(".git").rstrip("/")
    return text.lower() if match else os.path.normpath(text)


def _origin(common_dir: Path) -> str | None:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read(common_dir / "config", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    url = parser.get('remote "origin"', "url", fallback="").strip()
    if not url:
        return None
    if "://" not in url and ":" not in url.split("/", 1)[0] and not os.path.isabs(url):
        # A relative local path is relative to the repository.
        url = str((common_dir.parent / url).resolve()) if common_dir.name == ".git" else url
    return normalize_remote(url)


def _branch(gitdir: Path) -> str | None:
    head = _read(gitdir / "HEAD") or ""
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: refs/heads/") else None


def read_git(top: Path, *, is_dir: bool | None = None) -> GitFacts | None:
    """The facts of the checkout whose ``.git`` is in ``top`` (None without one).
    ``is_dir``: whether that ``.git`` is a folder, when the caller already knows."""
    dot_git = top / ".git"
    if is_dir is None:
        is_dir = dot_git.is_dir()
    if is_dir:
        return GitFacts(top, dot_git, dot_git, None)
    text = _read(dot_git)
    if text is None or not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    if not gitdir.is_absolute():
        gitdir = top / gitdir
    gitdir = Path(os.path.normpath(gitdir))
    common = _read(gitdir / "commondir")
    if common is None:  # a submodule: its own repository kept elsewhere
        return GitFacts(top, gitdir, gitdir, None)
    common_dir = Path(os.path.normpath(gitdir / common))
    main_top = common_dir.parent if common_dir.name == ".git" else None
    return GitFacts(top, gitdir, common_dir, main_top)


@functools.lru_cache(maxsize=4096)
def _root_commits(common_dir: Path, top: Path) -> frozenset[str]:
    git = shutil.which("git")
    if git is None:
        return frozenset()
    try:
        done = subprocess.run(
            [git, "-C", str(top), "rev-list", "--max-parents=0", "--all"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(done.stdout.split()) if done.returncode == 0 else frozenset()


def root_commits(facts: GitFacts) -> frozenset[str]:
    """The repository's root commits (empty when git cannot tell)."""
    return _root_commits(facts.common_dir, facts.top)
