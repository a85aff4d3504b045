"""Concurrent writers never lose an update; a killed writer never leaves a torn file."""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.core.config_support import CORPUS, config_bytes, make_repo
from tests.core.config_writer_proc import crash_changes
from tracker_core.config.config_io import (
    load_config,
    parse_config_bytes,
    render_tracker_update,
    scan_config,
    write_tracker,
)
from tracker_core.errors import ConfigConflictError

ROOT = Path(__file__).resolve().parents[3]
WRITER = [sys.executable, "-m", "tests.core.config_writer_proc"]


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WRITER, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.serial
def test_two_processes_writing_the_same_config_lose_nothing(tmp_path):
    head = "vcs:\n  type: git\ntracker:\n  provider: linear\n"
    repo = make_repo(tmp_path, head)

    writers = [start("add", str(repo), worker, "100") for worker in ("a", "b")]
    results = []
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))

    tracker = load_config(repo).tracker
    assert tracker is not None
    # Every write was applied (after retrying the ones refused as conflicts): 200 entries.
    assert tracker.provider_context == {f"{w}-{i}": "written" for w in "ab" for i in range(100)}
    assert sum(r["applied"] for r in results) == 200
    assert config_bytes(repo).startswith((head + "  provider_context:\n").encode())


def test_threads_writing_the_same_config_lose_nothing(tmp_path):
    repo = make_repo(tmp_path, "tracker:\n  provider: jira\n")
    refused: list[int] = []

    def worker(name: str) -> None:
        for i in range(15):
            while True:
                config = scan_config(repo)
                assert config.tracker is not None
                context = {**config.tracker.provider_context, f"{name}-{i}": "x"}
                try:
                    write_tracker(config, {"provider_context": context})
                    break
                except ConfigConflictError:
                    refused.append(1)

    threads = [threading.Thread(target=worker, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.provider_context == {f"t{n}-{i}": "x" for n in range(4) for i in range(15)}


@pytest.mark.serial
def test_writer_killed_at_random_points_leaves_old_or_new_bytes(tmp_path):
    corpus = (CORPUS / "ruhullasheik__mcpbin.yaml").read_bytes()  # CRLF, comments-free
    repo = make_repo(tmp_path, corpus)
    base = write_tracker(load_config(repo), {"provider": "linear", **crash_changes(0)})
    os.chmod(repo / ".kittify" / "config.yaml", 0o640)
    assert base.raw is not None

    def content(n: int) -> bytes:
        """The whole file after write n, whatever came before."""
        return render_tracker_update(base, crash_changes(n))[1].encode("utf-8")

    rng = random.Random(8)
    previous, kills = 0, 0
    data = config_bytes(repo)
    leftovers: set[str] = set()  # temp files of writers killed before their rename
    spawner = start("crash", str(repo))
    assert spawner.stdin is not None and spawner.stdout is not None
    try:
        assert spawner.stdout.readline() == "ready\n"
        while kills < 100:
            spawner.stdin.write("go\n")
            spawner.stdin.flush()
            writer = int(spawner.stdout.readline())
            # Each writer finishes one write before its kill, however slow the
            # machine: every kill then lands somewhere in a later write.
            while config_bytes(repo) == data:
                if select.select([spawner.stdout], [], [], 0.005)[0]:
                    break  # the writer ended on its own: its reason follows
            time.sleep(rng.uniform(0.0, 0.05))
            with contextlib.suppress(ProcessLookupError):  # unless it ended already
                os.kill(writer, signal.SIGKILL)
            ended = spawner.stdout.readline()
            if ended != "reaped killed\n":  # the writer failed on its own: show why
                spawner.kill()
                raise AssertionError(ended + spawner.communicate(timeout=10)[1])
            kills += 1

            data = config_bytes(repo)
            config = parse_config_bytes(repo, data)  # always parses...
            assert config.tracker is not None and config.tracker.binding_ref is not None
            n = int(config.tracker.binding_ref.removeprefix("srm_"))
            assert n >= previous
            assert data == content(n)  # ...and is exactly one whole version, never a mix
            assert data.startswith(corpus)
            assert stat.S_IMODE(os.stat(repo / ".kittify" / "config.yaml").st_mode) == 0o640
            leftovers |= {p.name for p in (repo / ".kittify").glob(".config.yaml.*.tmp")}
            previous = n
        assert previous >= kills  # at least one whole write per writer
    finally:
        spawner.kill()
        spawner.communicate(timeout=10)

    # The next write removes what killed writers left behind.
    write_tracker(load_config(repo), {"workspace": "done"})
    assert sorted(p.name for p in (repo / ".kittify").iterdir()) == ["config.yaml"]
    print(f"{previous} writes, {kills} kills, {len(leftovers)} between temp file and rename")
