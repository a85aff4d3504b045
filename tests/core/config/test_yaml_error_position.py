"""A config that does not parse is reported at the start of the problem: the line
and column PyYAML names, which for a quote or bracket left open is where it opens
(PyYAML's "while scanning …" mark), not the end of the file where parsing gave up."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.core.config_support import make_repo
from tracker_core.config.config_io import load_config
from tracker_core.errors import ConfigError

DEMO_BROKEN = (
    "project:\n  slug: broken-config\nvcs:\n  type: git\ntracker:\n  provider: linear\n"
    '  binding_ref: "srm_unterminated\n  project_slug: [broken-config\n'
)

# text, the (line, column) a person must look at, and which PyYAML mark names it.
CASES = {
    "unclosed quote": (DEMO_BROKEN, (7, 16), "context"),
    "unclosed list": ("a: 1\nb: [1, 2\nc: 3\nd: 4\n", (2, 4), "context"),
    "unclosed mapping": ("a: 1\nb: {x: 1\nc: 3\n", (2, 4), "context"),
    "bad indentation": ("a:\n  b: 1\n c: 2\nd: 3\n", (3, 2), "problem"),
    "colon in a value": ("a: b: c\nd: 1\n", (1, 5), "problem"),
}


def pyyaml_mark(text: str, which: str) -> tuple[int, int]:
    """PyYAML's own (pure Python) report of the same text, 1-based."""
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        yaml.load(text, Loader=yaml.SafeLoader)
    mark = caught.value.context_mark if which == "context" else caught.value.problem_mark
    assert mark is not None
    return mark.line + 1, mark.column + 1


@pytest.mark.parametrize("name", list(CASES))
def test_the_error_names_the_start_of_the_problem(tmp_path: Path, name: str) -> None:
    text, (line, column), which = CASES[name]
    assert pyyaml_mark(text, which) == (line, column)
    repo = make_repo(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(repo)
    message = str(caught.value)
    assert "config.yaml" in message and "\n" not in message
    assert f"line {line}, column {column}" in message, message
