"""``sk-tracker bind`` end to end against the reference host: the bind scenarios of
DESIGN §9 (auto-bind, ambiguous selection from a pipe, none, --bind-ref valid and
invalid, --select in and out of range, re-bind confirm/decline), prompts without a
terminal, the viewer role, and how the repo is found."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.cli.conftest import PYTHON_MODULE, Cli, Result
from tests.support.host import HostHandle
from tests.support.repos import (
    COMMON,
    config_bytes,
    make_repo,
    mapped_repo,
    project_section,
)
from tracker_core import load_config
from tracker_host import seed

UNBOUND = seed.UNBOUND_PROJECT
CANDIDATE_LINE = re.compile(r"^(\d+)\. (.+) \((high|medium|low)\) — (.+)$")


def unbound_repo(root: Path) -> Path:
    """The demo's unbound project (slug mobile-app): several linear candidates."""
    return make_repo(
        root,
        UNBOUND.project_slug,
        project_section(UNBOUND.project_slug, UNBOUND.project_uuid) + COMMON,
    )


def identity_only_repo(root: Path, mapping: seed.SeedMapping) -> Path:
    """A repo that knows its project identity but has no tracker section yet."""
    return make_repo(
        root,
        mapping.project_slug,
        project_section(mapping.project_slug, mapping.project_uuid) + COMMON,
    )


def candidates_shown(result: Result) -> dict[int, str]:
    """Number → label of the candidate list the CLI printed."""
    found = {}
    for line in result.out.splitlines():
        match = CANDIDATE_LINE.match(line)
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def resolved_labels(host: HostHandle, repo: Path, provider: str = "linear") -> list[str]:
    """The host's own candidate order for this repo (sort_position order)."""
    project = load_config(repo).project
    assert project is not None
    body = host.post(
        "/api/v1/tracker/bind-resolve/",
        {"provider": provider, "project_identity": project.to_payload()},
    ).json()
    ordered = sorted(body["candidates"], key=lambda c: c["sort_position"])
    return [c["display_label"] for c in ordered]


def active_labels(host: HostHandle, provider: str = "linear") -> dict[str, str]:
    return {
        m["binding_ref"]: m["display_label"]
        for m in host.mappings(provider)
        if m["status"] == "active"
    }


def assert_success_block(result: Result, provider: str, ref: str, label: str) -> None:
    """``bind`` prints the provider, the binding_ref and the display_label."""
    assert result.code == 0, result
    assert re.search(rf"^\s+provider\s+{provider}$", result.out, re.M), result.out
    assert re.search(rf"^\s+binding_ref\s+{ref}$", result.out, re.M), result.out
    assert re.search(rf"^\s+display_label\s+{re.escape(label)}$", result.out, re.M), result.out


# --- scenario 1: auto-bind ---------------------------------------------------------


def test_exact_match_binds_without_any_input(cli: Cli, host: HostHandle, repos: Path) -> None:
    m = seed.MY_PROJECT
    repo = identity_only_repo(repos, m)
    before = config_bytes(repo)

    result = cli.run("bind", "--provider", "linear", cwd=repo)  # stdin is /dev/null

    assert_success_block(result, "linear", m.binding_ref, m.display_label)
    assert "candidate" not in result.out and "Select" not in result.err
    after = config_bytes(repo)
    assert after.startswith(before)  # every byte that was there stays
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert (tracker.provider, tracker.binding_ref) == ("linear", m.binding_ref)
    assert tracker.display_label == m.display_label
    assert tracker.provider_context["workspace_name"] == "Acme Corp"
    assert "--project-slug" not in (result.out + result.err)


# --- scenario 2: ambiguous selection from a pipe -----------------------------------


def test_ambiguous_candidates_are_numbered_and_answered_from_a_pipe(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    expected = resolved_labels(host, repo)
    assert len(expected) > 2

    result = cli.run("bind", "--provider", "linear", cwd=repo, input="2\n")

    shown = candidates_shown(result)
    assert shown == {i + 1: label for i, label in enumerate(expected)}, result
    assert "Mobile App (LINEAR-789) (high) — " in result.out
    assert f"Select a resource [1-{len(expected)}]: 2" in result.err
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.binding_ref
    assert_success_block(result, "linear", tracker.binding_ref, expected[1])
    assert tracker.display_label == expected[1]
    assert active_labels(host)[tracker.binding_ref] == expected[1]


def test_a_bad_answer_binds_nothing(cli: Cli, host: HostHandle, repos: Path) -> None:
    repo = unbound_repo(repos)
    before, counts = config_bytes(repo), host.mapping_counts("linear")
    for answer in ("99\n", "abc\n"):
        result = cli.run("bind", "--provider", "linear", cwd=repo, input=answer)
        assert result.code == 1, result
        # From a pipe: no second try, one clear error line after the echoed answer.
        assert "Traceback" not in result.err and "try again" not in result.err
        line = result.err_lines[-1]
        assert re.fullmatch(r"error: invalid selection .*: choose 1 to \d+; nothing changed", line)
    assert config_bytes(repo) == before
    assert host.mapping_counts("linear") == counts


# --- no terminal, no answer: fail clearly, never hang ------------------------------


def test_no_input_fails_at_once_naming_the_flag(cli: Cli, host: HostHandle, repos: Path) -> None:
    repo = unbound_repo(repos)
    before = config_bytes(repo)

    # stdin=/dev/null. A prompt that waited instead of seeing the end of input would
    # outlast the run's own time limit with this prompt timeout.
    result = cli.run(
        "bind", "--provider", "linear", cwd=repo, env={"SK_TRACKER_PROMPT_TIMEOUT": "3600"}
    )

    assert result.code == 1, result
    assert "Traceback" not in result.err
    last = result.err_lines[-1]
    assert last.startswith("error: no answer on stdin (end of input)")
    assert re.search(r"pass --select N \(1 to \d+\)$", last)
    assert config_bytes(repo) == before


def test_an_open_pipe_that_never_answers_times_out(cli: Cli, repos: Path, tmp_path: Path) -> None:
    repo = unbound_repo(repos)
    before = config_bytes(repo)
    err_file = tmp_path / "stderr.txt"
    with (
        err_file.open("w") as err_sink,
        subprocess.Popen(
            [*PYTHON_MODULE, "bind", "--provider", "linear"],
            cwd=repo,
            stdin=subprocess.PIPE,  # held open, never written
            stdout=subprocess.DEVNULL,
            stderr=err_sink,
            env=cli.env(SK_TRACKER_PROMPT_TIMEOUT="1"),
        ) as proc,
    ):
        try:
            code = proc.wait(timeout=120)  # a hang guard, not a timing claim
        finally:
            proc.kill()
    err = err_file.read_text()
    assert code == 1, err
    assert err.strip().splitlines()[-1].startswith("error: no answer on stdin; pass --select N")
    assert config_bytes(repo) == before


def test_answers_written_up_front_on_an_open_pipe_are_all_read(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    """``printf 'y\\n1\\n'`` from a writer that keeps the pipe open: the second answer
    is already buffered when the second prompt asks for it."""
    repo = mapped_repo(repos, seed.DELETED_SEARCH)
    expected = resolved_labels(host, repo)

    with subprocess.Popen(
        [*PYTHON_MODULE, "bind", "--provider", "linear"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli.env(SK_TRACKER_PROMPT_TIMEOUT="5"),
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("y\n1\n")
        proc.stdin.flush()  # and keep it open until the CLI is done
        try:
            out = proc.stdout.read()
            proc.wait(timeout=20)
        finally:
            proc.stdin.close()
            proc.kill()
    assert proc.returncode == 0, out
    assert load_config(repo).tracker.display_label == expected[0]  # type: ignore[union-attr]


# --- scenario 3: no candidates -----------------------------------------------------


def test_no_candidates_exits_1_with_guidance_and_asks_for_no_tracker_ids(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    m = seed.MY_PROJECT
    host.load(
        {
            "installations": [
                {
                    "provider": "linear",
                    "workspaces": [
                        {
                            "name": "Acme Corp",
                            "resources": [{"key": "LINEAR-123", "name": "My Project"}],
                        }
                    ],
                }
            ],
            "mappings": [
                {
                    "provider": "linear",
                    "resource_key": "LINEAR-123",
                    "project_slug": m.project_slug,
                    "project_uuid": m.project_uuid,
                }
            ],
        }
    )
    repo = unbound_repo(repos)
    before = config_bytes(repo)

    result = cli.run("bind", "--provider", "linear", cwd=repo)

    assert result.code == 1, result
    line = result.one_error_line()
    assert "SaaS dashboard" in line and "sk-tracker discover --provider linear" in line
    assert "--project-slug" not in line and "LINEAR-123" not in line
    assert config_bytes(repo) == before


# --- scenario 4: --bind-ref --------------------------------------------------------


def test_bind_ref_valid_is_validated_and_persisted(cli: Cli, repos: Path) -> None:
    m = seed.MY_PROJECT
    repo = identity_only_repo(repos, m)

    result = cli.run("bind", "-p", "linear", "--bind-ref", m.binding_ref, cwd=repo)

    assert_success_block(result, "linear", m.binding_ref, m.display_label)
    tracker = load_config(repo).tracker
    assert tracker is not None
    assert tracker.binding_ref == m.binding_ref
    assert tracker.display_label == m.display_label  # cached from bind-validate
    assert tracker.provider_context["workspace_name"] == "Acme Corp"


def test_bind_ref_invalid_exits_1_and_writes_nothing(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    before, counts = config_bytes(repo), host.mapping_counts()
    cases = {
        seed.DELETED_SEARCH.binding_ref: "was deleted on the host",
        seed.MY_PROJECT.binding_ref: "belongs to another project",
    }
    for ref, what in cases.items():
        result = cli.run("bind", "-p", "linear", "--bind-ref", ref, cwd=repo)
        assert result.code == 1, result
        line = result.one_error_line()
        assert ref in line and what in line, line
        assert "sk-tracker bind --provider linear" in line
        assert result.out == ""
    assert config_bytes(repo) == before
    assert host.mapping_counts() == counts


# --- scenario 5: --select ----------------------------------------------------------


def test_select_n_binds_candidate_n_without_a_prompt(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    expected = resolved_labels(host, repo)

    result = cli.run("bind", "-p", "linear", "--select", "3", cwd=repo)

    assert result.code == 0, result
    assert "Select a resource" not in result.err
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.display_label == expected[2]
    assert_success_block(result, "linear", str(tracker.binding_ref), expected[2])


def test_select_out_of_range_exits_1_naming_the_range(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    count = len(resolved_labels(host, repo))
    before, counts = config_bytes(repo), host.mapping_counts()
    for n in ("99", "0"):
        result = cli.run("bind", "-p", "linear", "--select", n, cwd=repo)
        assert result.code == 1, result
        line = result.one_error_line()
        assert line == f"error: selection {n} is out of range: choose 1 to {count}"
    assert config_bytes(repo) == before
    assert host.mapping_counts() == counts


# --- scenario 10: re-bind confirm / decline ----------------------------------------


def test_rebind_declined_from_a_pipe_changes_nothing(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    m = seed.DELETED_SEARCH
    repo = mapped_repo(repos, m)
    before, counts = config_bytes(repo), host.mapping_counts()

    result = cli.run("bind", "-p", "linear", cwd=repo, input="n\n")

    assert result.code == 0, result
    assert (
        f"warning: search-indexer is bound to linear: {m.binding_ref}, which is stale "
        "(mapping_deleted)" in result.err
    )
    assert "Replace the stale binding? [Y/n] n" in result.err
    assert result.out.startswith("Nothing changed")
    assert config_bytes(repo) == before
    assert host.mapping_counts() == counts


def test_rebind_confirmed_from_a_pipe_replaces_the_binding(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    m = seed.DELETED_SEARCH
    repo = mapped_repo(repos, m)
    expected = resolved_labels(host, repo)

    result = cli.run("bind", "-p", "linear", cwd=repo, input="y\n1\n")

    assert result.code == 0, result
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.binding_ref not in (None, m.binding_ref)
    assert_success_block(result, "linear", str(tracker.binding_ref), expected[0])
    assert re.search(rf"^\s+replaced\s+{m.binding_ref}$", result.out, re.M)
    assert active_labels(host)[str(tracker.binding_ref)] == expected[0]
    assert tracker.project_slug == m.project_slug  # the legacy key is kept


def test_a_stale_binding_is_replaced_by_default(cli: Cli, host: HostHandle, repos: Path) -> None:
    m = seed.DISABLED_CRM
    repo = mapped_repo(repos, m)
    result = cli.run("bind", "-p", m.provider, "--select", "1", cwd=repo, input="\n")
    assert result.code == 0, result
    assert "which is stale (mapping_disabled)" in result.err
    assert "Replace the stale binding? [Y/n] " in result.err
    assert load_config(repo).tracker.binding_ref != m.binding_ref  # type: ignore[union-attr]


def test_an_active_binding_is_kept_by_default(cli: Cli, host: HostHandle, repos: Path) -> None:
    m = seed.MY_PROJECT
    repo = mapped_repo(repos, m)
    before, counts = config_bytes(repo), host.mapping_counts()
    result = cli.run("bind", "-p", "linear", "--select", "1", cwd=repo, input="\n")
    assert result.code == 0, result
    assert f"warning: my-project is already bound to linear: {m.binding_ref}" in result.err
    assert "stale" not in result.err
    assert "Replace the existing binding? [y/N] " in result.err
    assert result.out.startswith("Nothing changed")
    assert (config_bytes(repo), host.mapping_counts()) == (before, counts)


def test_rebind_without_an_answer_needs_yes(cli: Cli, repos: Path) -> None:
    repo = mapped_repo(repos, seed.DELETED_SEARCH)
    before = config_bytes(repo)
    result = cli.run("bind", "-p", "linear", "--select", "1", cwd=repo)
    assert result.code == 1
    assert result.err_lines[-1] == (
        "error: no answer on stdin (end of input); pass --yes to replace it"
    )
    assert config_bytes(repo) == before
    result = cli.run("bind", "-p", "linear", "--select", "1", "--yes", cwd=repo)
    assert result.code == 0, result
    assert load_config(repo).tracker.binding_ref != seed.DELETED_SEARCH.binding_ref  # type: ignore[union-attr]


def test_rebind_of_an_active_binding_says_it_is_unchanged(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    m = seed.MY_PROJECT
    repo = mapped_repo(repos, m)
    counts = host.mapping_counts()

    result = cli.run("bind", "-p", "linear", cwd=repo, input="y\n")

    assert result.code == 0, result
    assert result.out.startswith("Already bound my-project to linear")
    assert "replaced" not in result.out
    assert load_config(repo).tracker.binding_ref == m.binding_ref  # type: ignore[union-attr]
    assert host.mapping_counts() == counts


# --- roles ---------------------------------------------------------------------------


def test_viewer_cannot_bind_and_nothing_changes(
    viewer_cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    before, counts = config_bytes(repo), host.mapping_counts()

    result = viewer_cli.run("bind", "-p", "linear", "--select", "1", cwd=repo)

    assert result.code == 1, result
    line = result.one_error_line()
    assert "not allowed" in line and "viewer" in line.lower()
    assert config_bytes(repo) == before
    assert host.mapping_counts() == counts
    assert UNBOUND.project_uuid not in {m["project_uuid"] for m in host.mappings("linear")}


# --- finding the repo ----------------------------------------------------------------


def test_repo_is_found_by_walking_up_from_a_subfolder(cli: Cli, repos: Path) -> None:
    m = seed.MY_PROJECT
    repo = identity_only_repo(repos, m)
    deep = repo / "src" / "pkg"
    deep.mkdir(parents=True)

    result = cli.run("bind", "-p", "linear", cwd=deep)
    assert result.code == 0, result
    assert not (deep / ".kittify").exists()
    assert load_config(repo).tracker.binding_ref == m.binding_ref  # type: ignore[union-attr]

    # --repo pointing into the repo walks up the same way.
    result = cli.run("status", "--repo", deep)
    assert result.code == 0, result
    assert m.display_label in result.out


def test_no_repo_at_or_above_the_folder_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    lonely = tmp_path / "not-a-repo"
    lonely.mkdir()
    result = cli.run("bind", "-p", "linear", cwd=lonely)
    assert result.code == 2
    assert "no repo found" in result.one_error_line()
    assert not (lonely / ".kittify").exists()


def test_broken_config_is_reported_and_left_alone(cli: Cli, repos: Path) -> None:
    text = "project:\n  uuid: [unterminated\n"
    repo = make_repo(repos, "broken", text)
    result = cli.run("bind", "-p", "linear", "--select", "1", cwd=repo)
    assert result.code == 1
    line = result.one_error_line()
    assert "config.yaml" in line and "invalid YAML" in line
    assert config_bytes(repo) == text.encode()


# --- on a terminal: a bad answer is asked again ---------------------------------------


def run_on_terminal(cli: Cli, args: list[str], typed: str, cwd: Path) -> Result:
    """``sk-tracker ARGS`` with a pseudo-terminal as stdin, ``typed`` already typed."""
    import os
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [*PYTHON_MODULE, *args],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env(),
            cwd=cwd,
        )
        os.close(slave)
        os.write(master, typed.encode())
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
    return Result(args, proc.returncode, out, err)


def test_a_typo_at_the_terminal_is_asked_again(cli: Cli, host: HostHandle, repos: Path) -> None:
    repo = unbound_repo(repos)
    expected = resolved_labels(host, repo)
    result = run_on_terminal(cli, ["bind", "-p", "linear"], "abc\n99\n2\n", repo)
    assert result.code == 0, result
    assert "invalid selection 'abc'" in result.err and "try again (2 tries left)" in result.err
    assert "invalid selection '99'" in result.err and "try again (1 try left)" in result.err
    tracker = load_config(repo).tracker
    assert tracker is not None and tracker.display_label == expected[1]


def test_three_bad_answers_at_the_terminal_bind_nothing(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    repo = unbound_repo(repos)
    before, counts = config_bytes(repo), host.mapping_counts("linear")
    result = run_on_terminal(cli, ["bind", "-p", "linear"], "x\ny\nz\n1\n", repo)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    # (the typed answer and its newline echo on the terminal, not in this stderr pipe)
    assert result.err_lines[-1].endswith(
        "error: invalid selection 'z': choose 1 to 7; nothing changed"
    )
    assert (config_bytes(repo), host.mapping_counts("linear")) == (before, counts)


def test_a_bad_yes_no_answer_at_the_terminal_is_asked_again(
    cli: Cli, host: HostHandle, repos: Path
) -> None:
    m = seed.MY_PROJECT
    repo = mapped_repo(repos, m)
    before = config_bytes(repo)
    result = run_on_terminal(cli, ["bind", "-p", "linear"], "maybe\nn\n", repo)
    assert result.code == 0, result
    assert "answer y or n, not 'maybe'; try again" in result.err
    assert result.out.startswith("Nothing changed")
    assert config_bytes(repo) == before
