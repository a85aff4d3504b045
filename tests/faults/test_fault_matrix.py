"""Every CLI command under every fault of the matrix (see ``tests/faults/matrix.py``):
each run succeeds or ends with exit 1 and one ``error:`` line, never a traceback; a
failed run changes no config; a lost bind-confirm response leaves one mapping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.matrix import SCENARIOS, Scenario, render, run_scenario, running_host


@pytest.fixture(scope="module")
def fault_host() -> Iterator[str]:
    with running_host() as url:
        yield url


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_every_command_under_fault(fault_host: str, scenario: Scenario) -> None:
    cells = run_scenario(fault_host, scenario)
    problems = [f"{c.command}: {p}" for c in cells for p in c.problems]
    assert not problems, render(cells) + "\n" + "\n".join(problems)
