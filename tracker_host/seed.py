"""The demo seed (DESIGN §5): one team, four installed providers, 40 resources, 8 mappings.

Everything is fixed (uuids, slugs, binding_refs, timestamps) so tests, demo repos and
docs can name them.

Team ``acme``; users ``admin@acme.example`` (admin) and ``viewer@acme.example``
(viewer). Their tokens are not part of the seed: they come from `HostSettings`.

Resources (display labels), per provider and workspace:

- linear (10): "Acme Corp" / team "Engineering": My Project (LINEAR-123),
  Backend API (LINEAR-456), Mobile App (LINEAR-789); "Acme Labs" / team "Research":
  Data Pipeline (LAB-12), ML Platform (LAB-21), Search Service (LAB-34),
  design system (LAB-45), Billing Service (LAB-56), Docs Site (LAB-67),
  Analytics (LAB-78).
- jira (10): "Acme Jira Cloud" / "Platform": Payments (PAY), Legacy CRM (CRM),
  Operations (OPS), Website (WEB), Identity & Access (IAM), Mobile App (MOB);
  "Acme Partners Jira" / "Partner Success": Partner Portal (PRT),
  Integrations (INT), Support Desk (SUP), Onboarding (ONB).
- github (12): "acme-corp" / "Product Engineering": acme-corp/web-frontend,
  acme-corp/backend-api, acme-corp/mobile-app, acme-corp/design-system,
  acme-corp/docs, acme-corp/infra-terraform, acme-corp/e2e-tests,
  acme-corp/release-tools; "acme-labs" / "Research": acme-labs/ml-experiments,
  acme-labs/data-pipeline, acme-labs/prototype-ar, acme-labs/notebooks.
- gitlab (8): "acme" / "Infrastructure": acme/infra-tools, acme/k8s-charts,
  acme/ci-templates, acme/monitoring, acme/vpn-gateway; "acme-ops" / "Operations":
  acme-ops/runbooks, acme-ops/on-call-bot, acme-ops/status-page.
- azure_devops: no installation (its requests answer 403 ``no_installation``).

Mappings (6 active, 1 disabled, 1 deleted):

- MY_PROJECT ``srm_01JHMMRQE03HYDJH62HKC8H42F``: linear, My Project (LINEAR-123),
  slug ``my-project``, active.
- DATA_PIPELINE ``srm_01JK621XQ01YE7RWSFNVEKMTJE``: linear, Data Pipeline (LAB-12),
  slug ``data-pipeline``, active.
- LEGACY_BILLING ``srm_01JD49BP00VCZ6P09SH3XJ1ZQC``: linear, Billing Service (LAB-56),
  slug ``billing-service``, active; local repos know it only by slug (upgrade pending).
- DELETED_SEARCH ``srm_01JE445KQ0JM7P7EC7MX42NFF4``: linear, Search Service (LAB-34),
  slug ``search-indexer``, deleted (a tombstone; the resource is free).
- PAYMENTS ``srm_01JJPA7FR0XE75W8JRNQ7DRTYE``: jira, Payments (PAY),
  slug ``payments-service``, active.
- DISABLED_CRM ``srm_01J9K7A360FX7TE1AKWTENYMZJ``: jira, Legacy CRM (CRM),
  slug ``crm-sync``, disabled (still holds its resource).
- WEB_FRONTEND ``srm_01JKQZ3Y407NPA8A19X1434NJ9``: github, acme-corp/web-frontend,
  slug ``web-frontend``, active.
- INFRA_TOOLS ``srm_01JGTPG440RWG3MK2VBNQSH3TT``: gitlab, acme/infra-tools,
  slug ``infra-tools``, active.

Project uuids are in `SeedMapping.project_uuid` (MY_PROJECT's is the one of DESIGN §3).
`UNBOUND_PROJECT` is a project with no mapping whose slug (``mobile-app``) gives a
high-confidence candidate on linear (Mobile App (LINEAR-789)) and jira (Mobile App (MOB)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .state import InstallationState

TEAM = "acme"
ADMIN_USER = "admin@acme.example"
VIEWER_USER = "viewer@acme.example"
NODE_ID = "d036a097a835"

INSTALLED_PROVIDERS: tuple[str, ...] = ("linear", "jira", "github", "gitlab")
UNINSTALLED_PROVIDERS: tuple[str, ...] = ("azure_devops",)

INSTALLATION_IDS: dict[str, str] = {
    "linear": "inst-linear-acme",
    "jira": "inst-jira-acme",
    "github": "inst-github-acme",
    "gitlab": "inst-gitlab-acme",
}

# provider -> workspace name -> resource count
RESOURCE_COUNTS: dict[str, dict[str, int]] = {
    "linear": {"Acme Corp": 3, "Acme Labs": 7},
    "jira": {"Acme Jira Cloud": 6, "Acme Partners Jira": 4},
    "github": {"acme-corp": 8, "acme-labs": 4},
    "gitlab": {"acme": 5, "acme-ops": 3},
}
RESOURCE_TOTAL = 40


@dataclass(frozen=True)
class SeedMapping:
    binding_ref: str
    provider: str
    resource_key: str
    display_label: str
    project_slug: str
    project_uuid: str
    status: str
    bound_at: str
    updated_at: str


@dataclass(frozen=True)
class SeedProject:
    """A project the host has no mapping for (the demo's unbound repo)."""

    project_slug: str
    project_uuid: str


MY_PROJECT = SeedMapping(
    binding_ref="srm_01JHMMRQE03HYDJH62HKC8H42F",
    provider="linear",
    resource_key="LINEAR-123",
    display_label="My Project (LINEAR-123)",
    project_slug="my-project",
    project_uuid="8a4a7da6-a97c-4bb4-893a-b31664abfee4",
    status="active",
    bound_at="2025-01-15T09:30:00Z",
    updated_at="2025-01-15T09:30:00Z",
)
DATA_PIPELINE = SeedMapping(
    binding_ref="srm_01JK621XQ01YE7RWSFNVEKMTJE",
    provider="linear",
    resource_key="LAB-12",
    display_label="Data Pipeline (LAB-12)",
    project_slug="data-pipeline",
    project_uuid="4791742d-344d-4001-93d5-158c9c99c907",
    status="active",
    bound_at="2025-02-03T14:05:00Z",
    updated_at="2025-02-03T14:05:00Z",
)
LEGACY_BILLING = SeedMapping(
    binding_ref="srm_01JD49BP00VCZ6P09SH3XJ1ZQC",
    provider="linear",
    resource_key="LAB-56",
    display_label="Billing Service (LAB-56)",
    project_slug="billing-service",
    project_uuid="f87e7b95-c562-42e1-ae8c-1b5568ef552e",
    status="active",
    bound_at="2024-11-20T08:00:00Z",
    updated_at="2024-11-20T08:00:00Z",
)
DELETED_SEARCH = SeedMapping(
    binding_ref="srm_01JE445KQ0JM7P7EC7MX42NFF4",
    provider="linear",
    resource_key="LAB-34",
    display_label="Search Service (LAB-34)",
    project_slug="search-indexer",
    project_uuid="daf15109-40f4-46b5-84da-7383b82228c4",
    status="deleted",
    bound_at="2024-12-02T16:45:00Z",
    updated_at="2025-01-20T12:00:00Z",
)
PAYMENTS = SeedMapping(
    binding_ref="srm_01JJPA7FR0XE75W8JRNQ7DRTYE",
    provider="jira",
    resource_key="PAY",
    display_label="Payments (PAY)",
    project_slug="payments-service",
    project_uuid="958786be-9a56-4f68-b0f8-24871a64010a",
    status="active",
    bound_at="2025-01-28T11:20:00Z",
    updated_at="2025-01-28T11:20:00Z",
)
DISABLED_CRM = SeedMapping(
    binding_ref="srm_01J9K7A360FX7TE1AKWTENYMZJ",
    provider="jira",
    resource_key="CRM",
    display_label="Legacy CRM (CRM)",
    project_slug="crm-sync",
    project_uuid="2c815c5d-9fe7-4d5c-9ceb-e2280697eab6",
    status="disabled",
    bound_at="2024-10-07T10:10:00Z",
    updated_at="2025-01-10T09:00:00Z",
)
WEB_FRONTEND = SeedMapping(
    binding_ref="srm_01JKQZ3Y407NPA8A19X1434NJ9",
    provider="github",
    resource_key="acme-corp/web-frontend",
    display_label="acme-corp/web-frontend",
    project_slug="web-frontend",
    project_uuid="7c1b6a21-9fc2-4300-9def-297e03e51e22",
    status="active",
    bound_at="2025-02-10T13:00:00Z",
    updated_at="2025-02-10T13:00:00Z",
)
INFRA_TOOLS = SeedMapping(
    binding_ref="srm_01JGTPG440RWG3MK2VBNQSH3TT",
    provider="gitlab",
    resource_key="acme/infra-tools",
    display_label="acme/infra-tools",
    project_slug="infra-tools",
    project_uuid="13066704-4b5e-4dd7-bd22-46be0286853f",
    status="active",
    bound_at="2025-01-05T07:40:00Z",
    updated_at="2025-01-05T07:40:00Z",
)

MAPPINGS: tuple[SeedMapping, ...] = (
    MY_PROJECT,
    DATA_PIPELINE,
    LEGACY_BILLING,
    DELETED_SEARCH,
    PAYMENTS,
    DISABLED_CRM,
    WEB_FRONTEND,
    INFRA_TOOLS,
)

UNBOUND_PROJECT = SeedProject(
    project_slug="mobile-app", project_uuid="2fa1d6ab-6c35-4f94-a49e-d3f363f89570"
)


def _keyed(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": key, "name": name} for key, name in pairs]


def _repos(owner: str, names: list[str]) -> list[dict[str, Any]]:
    return [
        {"key": f"{owner}/{name}", "name": name, "display_label": f"{owner}/{name}"}
        for name in names
    ]


def demo_state_payload() -> dict[str, Any]:
    """The demo seed as a `POST /api/v1/dev/load` body (also a template for custom states)."""
    return {
        "installations": [
            {
                "provider": "linear",
                "installation_id": INSTALLATION_IDS["linear"],
                "workspaces": [
                    {
                        "name": "Acme Corp",
                        "team_name": "Engineering",
                        "resources": _keyed(
                            [
                                ("LINEAR-123", "My Project"),
                                ("LINEAR-456", "Backend API"),
                                ("LINEAR-789", "Mobile App"),
                            ]
                        ),
                    },
                    {
                        "name": "Acme Labs",
                        "team_name": "Research",
                        "resources": _keyed(
                            [
                                ("LAB-12", "Data Pipeline"),
                                ("LAB-21", "ML Platform"),
                                ("LAB-34", "Search Service"),
                                ("LAB-45", "design system"),
                                ("LAB-56", "Billing Service"),
                                ("LAB-67", "Docs Site"),
                                ("LAB-78", "Analytics"),
                            ]
                        ),
                    },
                ],
            },
            {
                "provider": "jira",
                "installation_id": INSTALLATION_IDS["jira"],
                "workspaces": [
                    {
                        "name": "Acme Jira Cloud",
                        "team_name": "Platform",
                        "context": {"site_url": "https://acme.atlassian.example"},
                        "resources": _keyed(
                            [
                                ("PAY", "Payments"),
                                ("CRM", "Legacy CRM"),
                                ("OPS", "Operations"),
                                ("WEB", "Website"),
                                ("IAM", "Identity & Access"),
                                ("MOB", "Mobile App"),
                            ]
                        ),
                    },
                    {
                        "name": "Acme Partners Jira",
                        "team_name": "Partner Success",
                        "context": {"site_url": "https://acme-partners.atlassian.example"},
                        "resources": _keyed(
                            [
                                ("PRT", "Partner Portal"),
                                ("INT", "Integrations"),
                                ("SUP", "Support Desk"),
                                ("ONB", "Onboarding"),
                            ]
                        ),
                    },
                ],
            },
            {
                "provider": "github",
                "installation_id": INSTALLATION_IDS["github"],
                "workspaces": [
                    {
                        "name": "acme-corp",
                        "team_name": "Product Engineering",
                        "context": {"owner": "acme-corp"},
                        "resources": _repos(
                            "acme-corp",
                            [
                                "web-frontend",
                                "backend-api",
                                "mobile-app",
                                "design-system",
                                "docs",
                                "infra-terraform",
                                "e2e-tests",
                                "release-tools",
                            ],
                        ),
                    },
                    {
                        "name": "acme-labs",
                        "team_name": "Research",
                        "context": {"owner": "acme-labs"},
                        "resources": _repos(
                            "acme-labs",
                            ["ml-experiments", "data-pipeline", "prototype-ar", "notebooks"],
                        ),
                    },
                ],
            },
            {
                "provider": "gitlab",
                "installation_id": INSTALLATION_IDS["gitlab"],
                "workspaces": [
                    {
                        "name": "acme",
                        "team_name": "Infrastructure",
                        "context": {"group_path": "acme"},
                        "resources": _repos(
                            "acme",
                            [
                                "infra-tools",
                                "k8s-charts",
                                "ci-templates",
                                "monitoring",
                                "vpn-gateway",
                            ],
                        ),
                    },
                    {
                        "name": "acme-ops",
                        "team_name": "Operations",
                        "context": {"group_path": "acme-ops"},
                        "resources": _repos("acme-ops", ["runbooks", "on-call-bot", "status-page"]),
                    },
                ],
            },
        ],
        "mappings": [
            {
                "provider": m.provider,
                "resource_key": m.resource_key,
                "project_uuid": m.project_uuid,
                "project_slug": m.project_slug,
                "status": m.status,
                "binding_ref": m.binding_ref,
                "bound_at": m.bound_at,
                "updated_at": m.updated_at,
            }
            for m in MAPPINGS
        ],
    }


def demo_state() -> InstallationState:
    return InstallationState.model_validate(demo_state_payload())


def empty_state() -> InstallationState:
    return InstallationState()


def seed_state(name: str) -> InstallationState:
    if name == "demo":
        return demo_state()
    if name == "empty":
        return empty_state()
    raise ValueError(f"unknown seed {name!r}; expected 'demo' or 'empty'")
