"""The installation the seed scenarios run on, loaded into whichever host a test uses.

It is written in the reference host's ``/api/v1/dev/load`` format; the second host
reads the same data with its own code. Names are the scenarios' cast:

- ``MY`` (my-project): an active linear mapping, exact match on bind-resolve;
- ``LEGACY`` (legacy-app): an active linear mapping, the repo knows only the slug;
- ``DELETED`` (search-indexer): a deleted linear mapping (tombstone);
- ``DISABLED`` (crm-sync): a disabled linear mapping, still holding its resource;
- ``SITE`` (website): the only github resource, bound, so github offers no candidates;
- ``BILLING`` (billing): no mapping, several linear candidates;
- ``PAYMENTS`` (payments): no mapping; its slug names a resource exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NODE_ID = "d036a097a835"
WORKSPACE = "Acme Corp"
HOST_SAYS_DISABLED = "Ask an Acme admin to re-enable it (ticket G-17)."


@dataclass(frozen=True)
class Project:
    slug: str
    uuid: str
    binding_ref: str | None = None
    provider: str = "linear"


MY = Project("my-project", "8a4a7da6-a97c-4bb4-893a-b31664abfee4", "srm_01HSCNMYPR0JECT0000000000A")
LEGACY = Project(
    "legacy-app", "1b2c3d4e-0000-4000-8000-00000000000a", "srm_01HSCN1EGACY0000000000000B"
)
DELETED = Project(
    "search-indexer", "1b2c3d4e-0000-4000-8000-00000000000b", "srm_01HSCNDE1ETED000000000000C"
)
DISABLED = Project(
    "crm-sync", "1b2c3d4e-0000-4000-8000-00000000000c", "srm_01HSCND1SAB1ED00000000000D"
)
SITE = Project(
    "website", "1b2c3d4e-0000-4000-8000-00000000000d", "srm_01HSCNWEBS1TE0000000000000", "github"
)
BILLING = Project("billing", "1b2c3d4e-0000-4000-8000-00000000000e")
PAYMENTS = Project("payments", "1b2c3d4e-0000-4000-8000-00000000000f")
NEVER_ISSUED = "srm_01HSCNNEVER1SSVED000000000"

# Free linear resources (a bind may take any of them; a deleted mapping frees LIN-2).
FREE_LINEAR = [
    "Billing Dashboard (LIN-7)",
    "Payments (LIN-4)",
    "Payments API (LIN-5)",
    "Search Service (LIN-2)",
]


def _resource(key: str, name: str) -> dict[str, Any]:
    return {"key": key, "name": name, "display_label": None, "context": {}}


def _mapping(project: Project, key: str, status: str) -> dict[str, Any]:
    return {
        "provider": project.provider,
        "resource_key": key,
        "project_uuid": project.uuid,
        "project_slug": project.slug,
        "status": status,
        "binding_ref": project.binding_ref,
        "bound_at": "2026-01-05T09:30:00Z",
        "updated_at": None,
    }


STATE: dict[str, Any] = {
    "installations": [
        {
            "provider": "linear",
            "installation_id": "inst-linear-scn",
            "workspaces": [
                {
                    "name": WORKSPACE,
                    "team_name": "Engineering",
                    "context": {},
                    "resources": [
                        _resource("LIN-1", "My Project"),
                        _resource("LIN-2", "Search Service"),
                        _resource("LIN-3", "CRM"),
                        _resource("LIN-4", "Payments"),
                        _resource("LIN-5", "Payments API"),
                        _resource("LIN-6", "Legacy App"),
                        _resource("LIN-7", "Billing Dashboard"),
                    ],
                }
            ],
        },
        {
            "provider": "github",
            "installation_id": "inst-github-scn",
            "workspaces": [
                {
                    "name": "acme-corp",
                    "team_name": None,
                    "context": {},
                    "resources": [_resource("acme-corp/website", "website")],
                }
            ],
        },
    ],
    "mappings": [
        _mapping(MY, "LIN-1", "active"),
        _mapping(DELETED, "LIN-2", "deleted"),
        _mapping(DISABLED, "LIN-3", "disabled"),
        _mapping(LEGACY, "LIN-6", "active"),
        _mapping(SITE, "acme-corp/website", "active"),
    ],
}
