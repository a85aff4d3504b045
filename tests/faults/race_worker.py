"""A process racing on repos: ``bind`` re-binds one N times through the host,
alternating two resources of PROVIDER; ``write`` sets ``tracker.workspace`` N times in
each REPO (read-modify-write, retried on conflict).

python -m tests.faults.race_worker bind REPO URL TOKEN TEAM N PROVIDER LABEL_A LABEL_B
python -m tests.faults.race_worker write N REPO...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tracker_core import ConfigConflictError, HostClient, TrackerService
from tracker_core.config.config_io import load_config, write_tracker


def bind(
    repo: Path, url: str, token: str, team: str, count: int, provider: str, labels: list[str]
) -> dict[str, object]:
    refs: list[str] = []
    with TrackerService(HostClient(url, token, team)) as svc:
        for i in range(count):
            wanted = labels[i % 2]
            resource = next(
                r for r in svc.discover(provider).resources if r.display_label == wanted
            )
            outcome = svc.bind_resource(repo, provider, resource)
            assert outcome.binding_ref is not None
            refs.append(outcome.binding_ref)
    return {"applied": len(refs), "last": refs[-1]}


def write(repos: list[Path], count: int) -> dict[str, object]:
    conflicts = 0
    for i in range(count):
        for repo in repos:
            while True:
                try:
                    write_tracker(load_config(repo), {"workspace": f"w-{i}"})
                    break
                except ConfigConflictError:
                    conflicts += 1
    return {"applied": count, "conflicts": conflicts}


def main() -> None:
    mode, *rest = sys.argv[1:]
    if mode == "bind":
        repo, url, token, team, count, provider, *labels = rest
        result = bind(Path(repo), url, token, team, int(count), provider, labels)
    else:
        result = write([Path(r) for r in rest[1:]], int(rest[0]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
