"""Helpers that lay out repos on disk for flow, CLI and dashboard tests."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tracker_host import seed

COMMON = "vcs:\n  type: git\nagents:\n  available:\n  - claude\n  auto_commit: true\n"


def project_section(slug: str, uuid: str) -> str:
    return f"project:\n  uuid: {uuid}\n  slug: {slug}\n  node_id: {seed.NODE_ID}\n"


def make_repo(root: Path, name: str, config: str | None, *, remote: str | None = None) -> Path:
    """A repo folder with ``.git/config`` (origin ``remote``) and, unless ``config`` is
    None, a ``.kittify/config.yaml`` holding exactly ``config``."""
    repo = root / name
    (repo / ".git").mkdir(parents=True, exist_ok=True)
    url = remote or f"https://github.com/acme-corp/{name}.git"
    (repo / ".git" / "config").write_text(f'[remote "origin"]\n\turl = {url}\n', encoding="utf-8")
    if config is not None:
        (repo / ".kittify").mkdir(exist_ok=True)
        (repo / ".kittify" / "config.yaml").write_text(config, encoding="utf-8")
    return repo


def tracker_section(provider: str, **keys: str | None) -> str:
    lines = ["tracker:", f"  provider: {provider}"]
    for key, value in keys.items():
        if value is not None:
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


def mapped_repo(root: Path, mapping: seed.SeedMapping, *, with_ref: bool = True) -> Path:
    """A repo for a seed mapping: bound by ref (or slug-only when ``with_ref`` is False)."""
    config = project_section(mapping.project_slug, mapping.project_uuid) + COMMON
    config += tracker_section(
        mapping.provider,
        binding_ref=mapping.binding_ref if with_ref else None,
        project_slug=mapping.project_slug,
    )
    return make_repo(root, mapping.project_slug, config)


def config_bytes(repo: Path) -> bytes:
    return (repo / ".kittify" / "config.yaml").read_bytes()


def digest(repo: Path) -> str:
    path = repo / ".kittify" / "config.yaml"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"
