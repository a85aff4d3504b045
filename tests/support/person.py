"""Who the tests act as: a git identity of their own, so the activity log's actor
(git ``user.email``) never depends on the developer's or the CI machine's git config.
Subprocesses (the CLI, a served dashboard) inherit it through the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker_core.access.actor import local_person

PERSON = "tester@acme.example"


@pytest.fixture(autouse=True, scope="session")
def git_person(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    gitconfig: Path = tmp_path_factory.mktemp("git-person") / "gitconfig"
    gitconfig.write_text(f"[user]\n\temail = {PERSON}\n\tname = Tester\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        local_person.cache_clear()
        yield PERSON
    local_person.cache_clear()
