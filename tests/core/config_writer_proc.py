"""A separate writer process for the concurrency and crash tests.

python -m tests.core.config_writer_proc crash REPO
    prints "ready", then, for each line read from stdin, forks a writer child and
    prints its pid. The child rewrites the config until it is killed (write n sets
    the keys of :func:`crash_changes` for n = previous n + 1); once it is gone this
    prints "reaped" and how it ended. Forking from a warm process starts a writer in
    milliseconds, so many kills fit in a few seconds.
python -m tests.core.config_writer_proc add REPO WORKER COUNT
    COUNT read-modify-write cycles, each adding one provider_context entry and
    retrying on conflicts; prints a JSON summary.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from tracker_core.config.config_io import render_tracker_update, scan_config, write_tracker
from tracker_core.errors import ConfigConflictError


def crash_changes(n: int) -> dict[str, Any]:
    """Values of write ``n``; sizes vary so a torn write could not pass for a whole one."""
    return {
        "binding_ref": f"srm_{n:06d}",
        "display_label": "Label " + "x" * (n * 7 % 90),
        "provider_context": {f"k{i}": f"value {n}" for i in range(n % 5 + 1)},
    }


def slow_disk() -> None:
    """Make every ``os.write`` take a few milliseconds, in small pieces, as on a slow
    disk: a kill then often lands in the middle of writing the file's bytes."""
    real_write = os.write

    def write(fd: int, data: bytes | memoryview) -> int:
        time.sleep(0.0005)
        return real_write(fd, bytes(data)[:64])

    os.write = write


def write_forever(repo: Path) -> None:
    slow_disk()
    while True:
        config = scan_config(repo)
        assert config.tracker is not None and config.tracker.binding_ref is not None
        n = int(config.tracker.binding_ref.removeprefix("srm_")) + 1
        write_tracker(config, crash_changes(n))


def crash(repo: Path) -> None:
    # A dry run loads every lazily imported module once, before forking.
    render_tracker_update(scan_config(repo), crash_changes(0))
    gc.freeze()  # fewer copy-on-write page faults in the children
    print("ready", flush=True)
    for _ in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                write_forever(repo)
            except BaseException:
                traceback.print_exc()  # the test reports stderr when it fails
            finally:
                os._exit(1)
        print(pid, flush=True)
        _, status = os.waitpid(pid, 0)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        print("reaped", "killed" if killed else f"status {status}", flush=True)


def add(repo: Path, worker: str, count: int) -> None:
    conflicts = 0
    for i in range(count):
        while True:
            config = scan_config(repo)
            context = dict(config.tracker.provider_context) if config.tracker else {}
            context[f"{worker}-{i}"] = "written"
            try:
                write_tracker(config, {"provider_context": context})
                break
            except ConfigConflictError:
                conflicts += 1
    print(json.dumps({"worker": worker, "applied": count, "conflicts": conflicts}), flush=True)


if __name__ == "__main__":
    mode, repo_arg, *rest = sys.argv[1:]
    if mode == "crash":
        crash(Path(repo_arg))
    else:
        add(Path(repo_arg), rest[0], int(rest[1]))
