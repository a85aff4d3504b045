"""AccessPolicy.require_writable with a Resolver shared over many repos (as the
Repositories table checks 5,000 at once) decides exactly as each check alone: links
at any level that lead out of the allowed roots are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker_core import AccessPolicy
from tracker_core.access.policy import Resolver
from tracker_core.errors import PathNotAllowedError


def _repo(folder: Path) -> Path:
    (folder / ".kittify").mkdir(parents=True)
    (folder / ".kittify" / "config.yaml").write_text("project: {}\n")
    return folder


def _layout(tmp_path: Path) -> tuple[Path, dict[str, Path]]:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    repos = {
        "plain": _repo(root / "group" / "plain"),
        "other": _repo(root / "group" / "other"),
    }
    _repo(outside / "away")
    (root / "linked-group").symlink_to(outside, target_is_directory=True)
    repos["via linked folder"] = root / "linked-group" / "away"
    kittify_out = root / "group" / "kittify-out"
    kittify_out.mkdir()
    (kittify_out / ".kittify").symlink_to(outside / "away" / ".kittify")
    repos["linked .kittify"] = kittify_out
    config_out = _repo(root / "group" / "config-out")
    (config_out / ".kittify" / "config.yaml").unlink()
    (config_out / ".kittify" / "config.yaml").symlink_to(outside / "away/.kittify/config.yaml")
    repos["linked config"] = config_out
    inside = root / "group" / "alias"
    inside.symlink_to(root / "group" / "plain", target_is_directory=True)
    repos["link within the root"] = inside
    repos["dot-dot"] = root / "group" / ".." / "group" / "other"
    return root, repos


def _decision(policy: AccessPolicy, repo: Path, resolver: Resolver | None) -> str:
    try:
        return f"allowed under {policy.require_writable(repo, resolver)}"
    except PathNotAllowedError:
        return "refused"


def test_a_shared_resolver_decides_as_each_check_alone(tmp_path: Path) -> None:
    root, repos = _layout(tmp_path)
    policy = AccessPolicy(allowed_roots=[root])
    shared = Resolver()
    alone = {name: _decision(policy, repo, None) for name, repo in repos.items()}
    together = {name: _decision(policy, repo, shared) for name, repo in repos.items()}
    assert together == alone
    assert alone["plain"] == alone["link within the root"] == f"allowed under {root}"
    for escaping in ("via linked folder", "linked .kittify", "linked config"):
        assert alone[escaping] == "refused", escaping


@pytest.mark.parametrize("relative", ["group/plain", "group/../group/plain"])
def test_a_relative_path_is_resolved_from_the_working_folder(
    tmp_path: Path, relative: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = _layout(tmp_path)
    monkeypatch.chdir(root)
    assert Resolver().resolve(Path(relative)) == (root / "group" / "plain").resolve()
