"""Audit of N projects living in git remotes (served by ``git daemon`` on 127.0.0.1),
cold (no mirror yet: a partial clone each) and warm (nothing changed on the
remotes: one change check each, no fetch, no clone, no blob), against the audit of the same
N repos checked out on disk, measured in the same run.

The warm figure's ideal bound is the CPU the git daemon itself spends answering the
change checks, spread over every core: no audit that asks each remote can be faster
while the daemon shares the machine.

Remote and local audits must agree on every repo's state; the script stops if not.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common import Figure, main_for, median_time, reference_host
from workload import installation, mappings_needed, write_repos

from tracker_core.flows.audit import AuditReport, audit
from tracker_core.remote.mirror import MirrorCache
from tracker_core.remote.scan import scan_remotes

WARM_TARGET = 2.0  # warm remote audit within 2x the local audit of the same repos
WINDOW = 300.0  # SK_TRACKER_REMOTE_FRESHNESS for the last figure (off by default)


def _fast_import(files: dict[str, bytes]) -> bytes:
    parts: list[bytes] = []
    for i, data in enumerate(files.values(), 1):
        parts.append(b"blob\nmark :%d\ndata %d\n%s\n" % (i, len(data), data))
    parts.append(b"commit refs/heads/main\ncommitter bench <bench@example.com> 0 +0000\n")
    parts.append(b"data 7\ninitial\n")
    for i, rel in enumerate(files, 1):
        parts.append(b"M 100644 :%d %s\n" % (i, rel.encode()))
    return b"".join(parts) + b"\n"


def serve_checkouts(root: Path, served: Path) -> list[str]:
    """A bare repo under ``served`` for every checkout under ``root`` (its config and
    README committed); returns their paths relative to ``served``."""
    names: list[str] = []
    for config in sorted(root.glob("group-*/*/.kittify/config.yaml")):
        repo = config.parent.parent
        bare = served / "acme" / f"{repo.name}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
        files = {".kittify/config.yaml": config.read_bytes()}
        files["README.md"] = (repo / "README.md").read_bytes()
        subprocess.run(
            ["git", "fast-import", "--quiet"], cwd=bare, input=_fast_import(files), check=True
        )
        with (bare / "config").open("a", encoding="utf-8") as fh:
            fh.write("[uploadpack]\n\tallowFilter = true\n")
        names.append(f"acme/{repo.name}.git")
    return names


def daemon_cpu(pid: int) -> float | None:
    """CPU seconds used by process ``pid`` and its finished children (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def git_daemon(served: Path) -> Iterator[tuple[int, int]]:
    """(port, pid) of a ``git daemon`` serving ``served``; the pid is the daemon's own
    (not a ``git`` wrapper's), so its children's CPU is counted in its /proc entry."""
    exec_path = subprocess.run(
        ["git", "--exec-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [
            str(Path(exec_path) / "git-daemon"),
            "--reuseaddr", "--export-all", "--max-connections=64",
            "--listen=127.0.0.1", f"--port={port}", f"--base-path={served}", str(served),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(500):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.02)
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _states(report: AuditReport) -> dict[str, str]:
    return {row.label.rsplit("/", 1)[-1]: row.state for row in report.rows}


def run(tiny: bool = False) -> list[Figure]:
    n = 10 if tiny else 200
    repeat = 1 if tiny else 3
    env = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="sk-bench-remotes-") as tmp,
            reference_host() as host,
        ):
            base = Path(tmp)
            root, served = base / "checkouts", base / "served"
            inst = installation(400, mapped=mappings_needed(n))
            host.load(inst.payload)
            write_repos(root, n, inst)
            names = serve_checkouts(root, served)
            with git_daemon(served) as (port, pid), host.client() as client:
                urls = [f"git://127.0.0.1:{port}/{name}" for name in names]
                audit(client, [root])  # warm the connection pool and the file cache
                local = median_time(lambda: audit(client, [root]), repeat)
                local_report = audit(client, [root])
                cache = MirrorCache(base / "mirrors")
                started = time.perf_counter()
                cold_report = audit(client, urls, mirrors=cache)
                cold = time.perf_counter() - started
                before = daemon_cpu(pid)
                warm = median_time(lambda: audit(client, urls, mirrors=cache), repeat)
                time.sleep(0.2)  # the daemon reaps its last children
                after = daemon_cpu(pid)
                check = scan_remotes(urls, cache)
                windowed = MirrorCache(base / "mirrors", fresh_for=WINDOW)
                window = median_time(lambda: audit(client, urls, mirrors=windowed), repeat)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    want, got = _states(local_report), _states(cold_report)
    if want != got:
        differ = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
        raise SystemExit(f"remote and local audits disagree: {dict(list(differ.items())[:5])}")
    cores = os.cpu_count() or 1
    # The daemon's CPU per warm audit, on all cores at once: the least a check can take.
    floor = None if before is None or after is None else (after - before) / repeat / cores
    quiet = check.cloned == 0 and check.fetched == 0 and check.blobs_fetched == 0
    return [
        Figure(
            name=f"audit, {n} git remotes, cold (partial clones)",
            measured=cold,
            unit="s",
            baseline=local,
            baseline_label="(same repos on disk)",
            note="a blob-less clone of each remote, then one request for its config blobs",
        ),
        Figure(
            name=f"audit, {n} git remotes, warm (nothing changed)",
            measured=warm,
            unit="s",
            baseline=local,
            baseline_label="(same repos on disk)",
            ideal=floor,
            ideal_label=f"(the git daemon's CPU / {cores} cores)",
            target=f"<= {WARM_TARGET:.0f}x the audit on disk; no fetch, no clone, no blob",
            passed=quiet and warm <= WARM_TARGET * local,
            note=(
                f"one ls-refs request per remote, no git process; re-check: {check.cloned} "
                f"clones, {check.fetched} fetches, {check.blobs_fetched} blobs downloaded; "
                "states agree with the disk audit"
                + (
                    ""
                    if floor is None
                    else f"; the daemon's own work alone is {floor / local:.1f}x the disk audit"
                )
            ),
        ),
        Figure(
            name=f"audit, {n} git remotes, warm, {WINDOW:.0f} s freshness window",
            measured=window,
            unit="s",
            baseline=local,
            baseline_label="(same repos on disk)",
            target=f"<= {WARM_TARGET:.0f}x the audit on disk (opt-in window)",
            passed=window <= WARM_TARGET * local,
            note="remotes asked within the window are not asked again; rows say when they were",
        ),
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
