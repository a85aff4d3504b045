"""Writing one file into a mirrored remote as a commit on a branch, and pushing it.

The commit is built with git's plumbing in the bare mirror (a private index, no
checkout, no blob downloaded: only the new config blob is written), on top of the
default branch as last fetched. The branch is ours (``sk-tracker/…``): a re-run
replaces it. The default branch is only ever fast-forwarded, never forced.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import quote

from tracker_core.errors import ConfigError, RemoteError
from tracker_core.remote.git import git_env, run_git
from tracker_core.remote.marker import remember_bind_branch
from tracker_core.remote.mirror import Mirror
from tracker_core.remote.probe import BRANCH_PREFIX
from tracker_core.remote.urls import RemoteProject, RemoteUrl

_FALLBACK_IDENT = {
    "GIT_AUTHOR_NAME": "sk-tracker",
    "GIT_AUTHOR_EMAIL": "sk-tracker@localhost",
    "GIT_COMMITTER_NAME": "sk-tracker",
    "GIT_COMMITTER_EMAIL": "sk-tracker@localhost",
}


def read_file(mirror: Mirror, project: RemoteProject) -> bytes | None:
    """The project's config on the mirror's head (``None``: there is none yet)."""
    listing = run_git(["ls-tree", "-z", mirror.head, "--", project.config_path], cwd=mirror.git_dir)
    record = listing.split(b"\0", 1)[0]
    if not record:
        return None
    mode, kind, oid = record.partition(b"\t")[0].split(b" ")
    if kind != b"blob" or mode == b"120000":
        where = Path(project.name) / ".kittify" / "config.yaml"
        raise ConfigError(where, "not a regular file in the repository", code="unreadable")
    return run_git(["cat-file", "blob", oid.decode()], cwd=mirror.git_dir)


def _env_with_identity(extra: dict[str, str]) -> dict[str, str]:
    env = {**git_env(), **extra}
    try:
        run_git(["var", "GIT_COMMITTER_IDENT"], env=env)
    except RemoteError:  # no user.name/email configured: sign as the tool
        env.update(_FALLBACK_IDENT)
    return env


def commit_file(mirror: Mirror, rel_path: str, data: bytes, message: str) -> str:
    """A commit on top of the mirror's head that changes only ``rel_path``."""
    git_dir = mirror.git_dir
    listing = run_git(["ls-tree", "-z", mirror.head, "--", rel_path], cwd=git_dir)
    mode = listing.split(b" ", 1)[0].decode() if listing else "100644"
    blob = run_git(["hash-object", "-w", "--stdin"], cwd=git_dir, stdin=data).decode().strip()
    fd, index = tempfile.mkstemp(prefix="sk-tracker-index-", dir=git_dir)
    os.close(fd)
    os.unlink(index)  # git wants to create it
    try:
        env = _env_with_identity({"GIT_INDEX_FILE": index})
        run_git(["read-tree", mirror.head], cwd=git_dir, env=env)
        run_git(
            ["update-index", "--add", "--cacheinfo", f"{mode},{blob},{rel_path}"],
            cwd=git_dir,
            env=env,
        )
        # --missing-ok: the other blobs were never downloaded, and need not be.
        tree = run_git(["write-tree", "--missing-ok"], cwd=git_dir, env=env).decode().strip()
        commit = run_git(
            ["commit-tree", tree, "-p", mirror.head, "-F", "-"],
            cwd=git_dir,
            env=env,
            stdin=message.encode("utf-8"),
        )
    finally:
        Path(index).unlink(missing_ok=True)
    return commit.decode().strip()


def push(mirror: Mirror, commit: str, branch: str) -> None:
    """Push ``commit`` to ``branch``: forced for our own branch, a fast-forward only
    for any other (the default branch)."""
    ours = branch.startswith(BRANCH_PREFIX)
    run_git(
        ["push", "--quiet", "origin", f"{'+' if ours else ''}{commit}:refs/heads/{branch}"],
        cwd=mirror.git_dir,
    )
    if ours:
        remember_bind_branch(mirror.git_dir, branch)


def review_url(remote: RemoteUrl, branch: str, target: str) -> str | None:
    """The link that opens a pull request (GitHub) or merge request (GitLab)."""
    base = remote.web_base
    if base is None:
        return None
    if "gitlab" in base:
        return (
            f"{base}/-/merge_requests/new?merge_request%5Bsource_branch%5D={quote(branch)}"
            f"&merge_request%5Btarget_branch%5D={quote(target)}"
        )
    return f"{base}/compare/{quote(target)}...{quote(branch)}?expand=1"
