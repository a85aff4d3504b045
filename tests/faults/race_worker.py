"""A process racing on one repo: ``bind`` re-binds it N times through the host,
``write`` sets ``tracker.workspace`` N times (read-modify-write, retried on conflict).

python -m tests.faults.race_worker bind REPO URL TOKEN TEAM N
python -m tests.faults.race_worker write REPO N
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tracker_core import ConfigConflictError, HostClient, TrackerService
from tracker_core.config.config_io import load_config, write_tracker

LABELS = ("Backend API (LINEAR-456)", "Mobile App (LINEAR-789)")


def bind(repo: Path, url: str, token: str, team: str, count: int) -> dict[str, object]:
    refs: list[str] = []
    with TrackerService(HostClient(url, token, team)) as svc:
        for i in range(count):
            wanted = LABELS[i % 2]
            resource = next(
                r for r in svc.discover("linear").resources if r.display_label == wanted
            )
            outcome = svc.bind_resource(repo, "linear", resource)
            assert outcome.binding_ref is not None
            refs.append(outcome.binding_ref)
    return {"applied": len(refs), "last": refs[-1]}


def write(repo: Path, count: int) -> dict[str, object]:
    conflicts = 0
    for i in range(count):
        while True:
            try:
                write_tracker(load_config(repo), {"workspace": f"w-{i}"})
                break
            except ConfigConflictError:
                conflicts += 1
    return {"applied": count, "conflicts": conflicts}


def main() -> None:
    mode, repo, *rest = sys.argv[1:]
    if mode == "bind":
        url, token, team, count = rest
        result = bind(Path(repo), url, token, team, int(count))
    else:
        result = write(Path(repo), int(rest[0]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
