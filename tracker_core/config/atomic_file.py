"""Read and replace one file inside a folder without following symlinks (POSIX).

Everything goes through a descriptor of the folder opened with ``O_NOFOLLOW`` (with
:func:`open_beneath`, every folder from a trusted root down), so a folder or file
swapped for a symlink between a check and the write cannot redirect the write.
The replacement is atomic: a temp file in the same folder, written, flushed
and fsynced, renamed over the target with ``os.replace``, then the folder is fsynced.
A reader sees the old bytes or the new bytes, never a mix, even if the writer is
killed at any point; a temp file left by a killed writer is removed by the next write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


class SymlinkError(OSError):
    """The folder or the file is a symlink."""


class NotRegularFileError(OSError):
    """The path exists but is not a regular file (a folder, a FIFO, a device...)."""


def temp_name(name: str) -> str:
    return f".{name}.{secrets.token_hex(6)}.tmp"


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")


def open_folder(folder: Path, *, create: bool) -> int:
    """A descriptor of ``folder`` (its last component must not be a symlink)."""
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o777)
    try:
        return os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and folder.is_symlink():
            raise SymlinkError(errno.ELOOP, "is a symlink", str(folder)) from None
        raise


def open_beneath(root: Path, relative: Path, *, create: bool) -> int:
    """A descriptor of ``root / relative``, each folder below ``root`` opened from its
    parent's descriptor with ``O_NOFOLLOW``: a symlink anywhere below the root (put
    there before or during the call) raises :class:`SymlinkError`, never leads out.
    ``create`` makes the last folder when it is missing. ``root`` itself is trusted."""
    parts = relative.parts
    if any(part in ("", ".", "..") for part in parts) or relative.is_absolute():
        raise ValueError(f"{relative} is not a plain path below the root")
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for n, part in enumerate(parts):
            if create and n == len(parts) - 1:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            try:
                child = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    if stat.S_ISLNK(info.st_mode):
                        raise SymlinkError(
                            errno.ELOOP, "is a symlink", str(root.joinpath(*parts[: n + 1]))
                        ) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_limited(fd: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes: enough to tell that a file is too large."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, min(1 << 16, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def read_in(folder_fd: int, name: str, limit: int) -> tuple[bytes, os.stat_result] | None:
    """The bytes of ``name`` in the folder, or ``None`` when there is no such file."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC, dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SymlinkError(errno.ELOOP, "is a symlink", name) from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFileError(errno.EINVAL, "not a regular file", name)
        return read_limited(fd, limit), info
    finally:
        os.close(fd)


def remove_stale_temps(folder_fd: int, name: str) -> None:
    """Delete temp files a killed writer left (call only while holding the lock)."""
    pattern = _temp_pattern(name)
    with os.scandir(folder_fd) as entries:
        stale = [e.name for e in entries if pattern.fullmatch(e.name)]
    for entry in stale:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry, dir_fd=folder_fd)


def replace_in(folder_fd: int, name: str, data: bytes, like: os.stat_result | None) -> None:
    """Atomically make ``name`` hold ``data``; keep the mode (and, when allowed, the
    owner) of the file it replaces; a new file gets the usual ``0o666 & ~umask``."""
    temp = temp_name(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    fd = os.open(temp, flags, 0o666 if like is None else 0o600, dir_fd=folder_fd)
    replaced = False
    try:
        try:
            if like is not None:
                os.fchmod(fd, stat.S_IMODE(like.st_mode))
                if (like.st_uid, like.st_gid) != (os.getuid(), os.getgid()):
                    # Only root can give a file away; the mode is what matters.
                    with contextlib.suppress(PermissionError):
                        os.fchown(fd, like.st_uid, like.st_gid)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        replaced = True
        os.fsync(folder_fd)
    finally:
        if not replaced:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=folder_fd)
