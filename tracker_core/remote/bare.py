"""Reading a bare partial mirror: its default branch and refs without running git,
the project configs in a tree, and blobs."""

from __future__ import annotations

from pathlib import Path

from tracker_core.config.config_io import MAX_CONFIG_BYTES
from tracker_core.errors import RemoteError
from tracker_core.remote.git import run_git

CONFIG_NAME = ".kittify/config.yaml"
_BLOB_MODES = {b"100644", b"100755"}


# Read without running git: a warm sync of an unchanged remote runs no git at all
# (git://) or one ls-remote.
def default_branch(git_dir: Path) -> str:
    try:
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        head = ""
    if not head.startswith("ref: refs/heads/"):
        raise RemoteError(f"the mirror in {git_dir.name} has no default branch")
    return head.removeprefix("ref: refs/heads/")


def read_ref(git_dir: Path, ref: str) -> str | None:
    """A ref's commit id: its loose file, else its line in ``packed-refs``."""
    try:
        return (git_dir / ref).read_text(encoding="utf-8").strip()
    except OSError:
        pass
    try:
        packed = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in packed.splitlines():
        oid, _, name = line.partition(" ")
        if name == ref:
            return oid
    return None


def config_entries(git_dir: Path, head: str) -> list[tuple[str, str, bool]]:
    """(project folder, blob id, is a regular file) for each config in ``head``'s tree."""
    listing = run_git(["ls-tree", "-r", "-z", "--full-tree", head], cwd=git_dir)
    found: list[tuple[str, str, bool]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        path = raw_path.decode("utf-8", "surrogateescape")
        if path != CONFIG_NAME and not path.endswith("/" + CONFIG_NAME):
            continue
        mode, kind, oid = meta.split(b" ")
        if kind != b"blob":
            continue
        sub = path[: -len(CONFIG_NAME)].rstrip("/")
        found.append((sub, oid.decode(), mode in _BLOB_MODES))
    return sorted(found)


def read_blobs(git_dir: Path, oids: list[str]) -> dict[str, bytes | None]:
    """Blob contents by id (``None`` for one over the size limit)."""
    if not oids:
        return {}
    out = run_git(
        ["cat-file", "--batch"], cwd=git_dir, stdin="".join(f"{o}\n" for o in oids).encode()
    )
    contents: dict[str, bytes | None] = {}
    pos = 0
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split(b" ")
        pos = end + 1
        if len(header) < 3:
            contents[oid] = None
            continue
        size = int(header[2])
        data = out[pos : pos + size]
        pos += size + 1
        contents[oid] = data if size <= MAX_CONFIG_BYTES else None
    return contents
