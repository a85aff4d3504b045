"""Helpers shared by the config tests: throwaway repos and the real-world corpus."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "kittify-configs"
CORPUS_FILES = sorted(CORPUS.glob("*.yaml"))

# A binding as the host would hand it over: a label that needs quoting, a context
# with the usual team/workspace names.
BINDING = {
    "provider": "linear",
    "binding_ref": "srm_01HXYZABCDEF",
    "project_slug": "my-project",
    "display_label": 'My "Project": LIN-123 # main',
    "provider_context": {"team_name": "Engineering", "workspace_name": "Acme Corp"},
    "workspace": None,
}


def make_repo(root: Path, content: bytes | str | None, name: str = "repo") -> Path:
    """A repo folder with `.kittify/config.yaml` holding ``content`` (no file for None)."""
    repo = root / name
    (repo / ".kittify").mkdir(parents=True)
    if content is not None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (repo / ".kittify" / "config.yaml").write_bytes(data)
    return repo


def config_bytes(repo: Path) -> bytes:
    return (repo / ".kittify" / "config.yaml").read_bytes()


def lines_with_ends(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)
