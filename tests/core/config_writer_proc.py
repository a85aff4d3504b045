"""A separate writer process for the concurrency and crash tests.

python -m tests.core.config_writer_proc crash REPO
    prints "ready", then rewrites the config forever (until killed): write n
    sets the keys of :func:`crash_changes` for n = previous n + 1.
python -m tests.core.config_writer_proc add REPO WORKER COUNT
    COUNT read-modify-write cycles, each adding one provider_context entry and
    retrying on conflicts; prints a JSON summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tracker_core.config_io import scan_config, write_tracker
from tracker_core.errors import ConfigConflictError


def crash_changes(n: int) -> dict[str, Any]:
    """Values of write ``n``; sizes vary so a torn write could not pass for a whole one."""
    return {
        "binding_ref": f"srm_{n:06d}",
        "display_label": "Label " + "x" * (n * 7 % 90),
        "provider_context": {f"k{i}": f"value {n}" for i in range(n % 5 + 1)},
    }


def write_number(repo: Path) -> int:
    tracker = scan_config(repo).tracker
    assert tracker is not None and tracker.binding_ref is not None
    return int(tracker.binding_ref.removeprefix("srm_"))


def crash(repo: Path) -> None:
    import ruamel.yaml  # noqa: F401  (imported by the first write; load it before "ready")

    print("ready", flush=True)
    while True:
        config = scan_config(repo)
        assert config.tracker is not None and config.tracker.binding_ref is not None
        n = int(config.tracker.binding_ref.removeprefix("srm_")) + 1
        write_tracker(config, crash_changes(n))


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
