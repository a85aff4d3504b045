"""One story of binding drift between two recorded audits, made with the reference
host's dev controls (delete, disable) and edits of the repos on disk, and the exact
changes every face must report for it."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.host import HostHandle
from tests.support.repos import COMMON, make_repo, mapped_repo, project_section, tracker_section
from tracker_host import seed

# (kind, repo folder, state before, state after, binding_ref before, binding_ref after)
Expected = tuple[str, str, str | None, str | None, str | None, str | None]

EXPECTED: list[Expected] = [
    ("stale", "my-project", "bound", "stale:mapping_deleted", *[seed.MY_PROJECT.binding_ref] * 2),
    (
        "stale",
        "payments-service",
        "bound",
        "stale:mapping_disabled",
        *[seed.PAYMENTS.binding_ref] * 2,
    ),
    ("fixed", "billing-service", "legacy", "bound", None, seed.LEGACY_BILLING.binding_ref),
    ("appeared", "new-app", None, "unbound", None, None),
    ("gone", "web-frontend", "bound", None, seed.WEB_FRONTEND.binding_ref, None),
    (
        "moved",
        "tools",
        "bound",
        "bound",
        seed.INFRA_TOOLS.binding_ref,
        seed.DATA_PIPELINE.binding_ref,
    ),
]


def bound_config(mapping: seed.SeedMapping) -> str:
    return (
        project_section(mapping.project_slug, mapping.project_uuid)
        + COMMON
        + tracker_section(
            mapping.provider, binding_ref=mapping.binding_ref, project_slug=mapping.project_slug
        )
    )


def before(root: Path) -> None:
    """The repos at the first audit: four bound, one legacy (slug only)."""
    for mapping in (seed.MY_PROJECT, seed.PAYMENTS, seed.WEB_FRONTEND):
        mapped_repo(root, mapping)
    mapped_repo(root, seed.LEGACY_BILLING, with_ref=False)
    make_repo(root, "tools", bound_config(seed.INFRA_TOOLS))


def drift(host: HostHandle, root: Path) -> None:
    """Between the audits: two mappings deleted/disabled on the host, a legacy config
    given its ref by hand, a repo re-pointed at another resource, one removed, one new."""
    host.delete(seed.MY_PROJECT.binding_ref)
    host.disable(seed.PAYMENTS.binding_ref)
    config = root / "billing-service" / ".kittify" / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            "  provider: linear\n",
            f"  provider: linear\n  binding_ref: {seed.LEGACY_BILLING.binding_ref}\n",
        ),
        encoding="utf-8",
    )
    (root / "tools" / ".kittify" / "config.yaml").write_text(
        bound_config(seed.DATA_PIPELINE), encoding="utf-8"
    )
    shutil.rmtree(root / "web-frontend")
    unbound = seed.UNBOUND_PROJECT
    make_repo(root, "new-app", project_section(unbound.project_slug, unbound.project_uuid) + COMMON)


def as_expected(changes: list[dict[str, object]]) -> list[Expected]:
    """``changes --json`` entries in the shape of ``EXPECTED``."""
    out: list[Expected] = []
    for c in changes:
        b, a = c["before"], c["after"]
        assert b is None or isinstance(b, dict)
        assert a is None or isinstance(a, dict)
        out.append(
            (
                str(c["kind"]),
                Path(str(c["repo"])).name,
                b["state"] if b else None,
                a["state"] if a else None,
                b["binding_ref"] if b else None,
                a["binding_ref"] if a else None,
            )
        )
    return out
