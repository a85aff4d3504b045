"""Real spec-kitty layouts built with git itself: worktrees inside ``.worktrees/`` and
beside the repo, two clones of one bare origin, a monorepo with projects in
sub-folders, a nested project, a copied ``.kittify/``, folders named ``build`` and
``target``, a project 12 levels deep, two ``api`` folders, and the folders a walk
must skip (a virtualenv, ``node_modules``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid as uuid_mod
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.repos import COMMON, project_section, tracker_section
from tracker_host import seed

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def write_config(folder: Path, text: str) -> Path:
    (folder / ".kittify").mkdir(parents=True, exist_ok=True)
    (folder / ".kittify" / "config.yaml").write_text(text, encoding="utf-8")
    return folder


def bound_config(mapping: seed.SeedMapping) -> str:
    return (
        project_section(mapping.project_slug, mapping.project_uuid)
        + COMMON
        + tracker_section(
            mapping.provider,
            binding_ref=mapping.binding_ref,
            project_slug=mapping.project_slug,
        )
    )


def unbound_config(slug: str) -> str:
    return project_section(slug, str(uuid_mod.uuid4())) + COMMON


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def new_repo(folder: Path, origin: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q")
    if origin:
        git(folder, "remote", "add", "origin", origin)
    return folder


@dataclass
class Layout:
    root: Path
    # expected name -> what the audit should say about it
    names: dict[str, str] = field(default_factory=dict)


def build_layout(base: Path) -> Layout:
    """The whole zoo under ``base / "ws"`` (bare origins live beside it)."""
    root = base / "ws"
    remotes = base / "remotes"
    remotes.mkdir(parents=True)
    out = Layout(root)

    # web-frontend: bound, with spec-kitty worktrees in .worktrees/ and a sibling one.
    web = new_repo(root / "web-frontend", "https://github.com/acme-corp/web-frontend.git")
    (web / ".gitignore").write_text(".worktrees/\nnode_modules/\n")
    write_config(
        web,
        project_section(seed.WEB_FRONTEND.project_slug, seed.WEB_FRONTEND.project_uuid) + COMMON,
    )
    commit_all(web, "init spec-kitty")
    git(web, "branch", "kitty/mission-early")  # cut before the bind
    write_config(web, bound_config(seed.WEB_FRONTEND))
    commit_all(web, "bind to the tracker")
    git(
        web,
        "worktree",
        "add",
        "-q",
        ".worktrees/checkout-lane-a",
        "-b",
        "kitty/mission-checkout-lane-a",
    )
    git(web, "worktree", "add", "-q", ".worktrees/early-lane-a", "kitty/mission-early")
    git(web, "worktree", "add", "-q", "../web-frontend-hotfix", "-b", "hotfix")
    write_config(web / "node_modules" / "left-pad", unbound_config("left-pad"))
    out.names.update(
        {
            "web-frontend": "bound",
            "web-frontend/.worktrees/checkout-lane-a": "worktree",
            "web-frontend/.worktrees/early-lane-a": "worktree-differs",
            "web-frontend-hotfix": "worktree",
        }
    )

    # Two clones of one bare origin, bound and committed.
    seedling = new_repo(base / "seedling")
    write_config(seedling, bound_config(seed.DATA_PIPELINE))
    commit_all(seedling, "init")
    bare = remotes / "data-pipeline.git"
    git(base, "clone", "-q", "--bare", str(seedling), str(bare))
    shutil.rmtree(seedling)
    for team in ("a", "b"):
        (root / "team" / team).mkdir(parents=True, exist_ok=True)
        git(root / "team" / team, "clone", "-q", str(bare), "data-pipeline")
        out.names[f"team/{team}/data-pipeline"] = "clone"

    # Two projects called api in different folders (no git).
    for team in ("a", "b"):
        write_config(root / "team" / team / "api", unbound_config("api"))
        out.names[f"team/{team}/api"] = "unbound"

    # A monorepo (no .kittify at its top) with projects in sub-folders.
    mono = new_repo(root / "mono", "git@github.com:acme-corp/mono.git")
    write_config(mono / "services" / "search", unbound_config("search"))
    write_config(mono / "services" / "billing", unbound_config("billing"))
    (mono / "README.md").write_text("# mono\n")
    commit_all(mono, "init")
    out.names["mono/services/search"] = "unbound"
    out.names["mono/services/billing"] = "unbound"

    # A plain git repo: not a project.
    plain = new_repo(root / "plain-git", "https://github.com/acme-corp/plain-git.git")
    (plain / "README.md").write_text("# plain\n")

    # A project nested inside another project's checkout.
    platform = new_repo(root / "platform", "https://github.com/acme-corp/platform.git")
    write_config(platform, bound_config(seed.MY_PROJECT))
    write_config(platform / "billing" / "plugins" / "tax-engine", unbound_config("tax-engine"))
    commit_all(platform, "init")
    out.names["platform"] = "conflict"
    out.names["platform/billing/plugins/tax-engine"] = "unbound"

    # A .kittify/ copied from platform into an unrelated repo: a true conflict.
    copycat = new_repo(root / "copycat", "https://github.com/acme-corp/copycat.git")
    shutil.copytree(platform / ".kittify", copycat / ".kittify")
    commit_all(copycat, "start from platform's template")
    out.names["copycat"] = "conflict"

    # Folders named build and target, and a project 12 levels down.
    write_config(root / "build" / "legacy-tool", unbound_config("legacy-tool"))
    write_config(root / "target" / "rusty", unbound_config("rusty"))
    deep = root / "deep" / "/".join(f"l{i}" for i in range(1, 12)) / "abyss"
    write_config(deep, unbound_config("abyss"))
    out.names["build/legacy-tool"] = "unbound"
    out.names["target/rusty"] = "unbound"
    out.names[deep.relative_to(root).as_posix()] = "unbound"

    # A virtualenv with an ordinary name: skipped on its content, silently.
    venv = root / "tools-env"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    write_config(venv / "lib" / "python3.12" / "vendored", unbound_config("vendored"))
    return out
