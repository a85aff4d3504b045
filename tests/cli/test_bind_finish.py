"""A bind that derived the project identity and could not write the config is
finished by the exact command it printed, run as a user runs it: the command carries
the identity the host bound, so the file ends with that identity and a valid binding.
A finishing run that fails leaves the file as it was."""

from __future__ import annotations

import shlex
import uuid
from collections.abc import Sequence
from pathlib import Path

from tests.cli.conftest import Cli, Result
from tests.core.flows.test_persist import break_the_file, restore_the_file
from tests.support.host import HostHandle
from tests.support.repos import COMMON, make_repo
from tests.support.services import make_service
from tracker_core import ConfigNotWrittenError, load_config
from tracker_core.config.config_io import config_path
from tracker_core.host.wire import Candidate


def run(cli: Cli, command: str) -> Result:
    args = shlex.split(command)
    assert args[0] == "sk-tracker"
    return cli.run(*args[1:])


def test_a_bind_that_derived_the_identity_is_finished_by_the_printed_command(
    host: HostHandle, cli: Cli, repos: Path
) -> None:
    repo = make_repo(repos, "fresh-app", COMMON)  # no project: the bind derives one
    before = config_path(repo).read_bytes()

    def choose_then_break(candidates: Sequence[Candidate]) -> Candidate:
        break_the_file(repo)  # after the read, before the host confirms
        return candidates[0]

    try:
        with make_service(host) as svc:
            svc.bind(repo, "linear", choose=choose_then_break)
    except ConfigNotWrittenError as exc:
        err = exc
    else:
        raise AssertionError("the bind wrote into a folder")
    ref, command = err.binding_ref, err.command
    (mapping,) = [m for m in host.mappings("linear") if m["binding_ref"] == ref]
    bound_uuid = mapping["project_uuid"]
    assert err.project_uuid == bound_uuid
    assert command.endswith(f"--project-uuid {bound_uuid}") and command in str(err)
    restore_the_file(repo)

    # Without the identity a fresh uuid is derived: the host refuses, the file stays.
    plain = command.split(" --project-uuid ")[0]
    refused = run(cli, plain)
    assert refused.code == 1 and "belongs to another project" in refused.one_error_line()
    assert config_path(repo).read_bytes() == before
    other = run(cli, f"{plain} --project-uuid {uuid.uuid4()}")
    assert other.code == 1 and config_path(repo).read_bytes() == before

    done = run(cli, command)
    assert done.code == 0, done
    config = load_config(repo)
    assert config.project is not None and config.tracker is not None
    assert (config.project.uuid, config.tracker.binding_ref) == (bound_uuid, ref)
    with make_service(host) as svc:
        assert svc.client.bind_validate("linear", ref, config.project).valid
    status = cli.run("status", "--provider", "linear", "--json", "--repo", str(repo))
    assert status.code == 0, status
    assert ref in status.out

    # Once written, another uuid is refused before the host is asked.
    written = config_path(repo).read_bytes()
    again = run(cli, f"{plain} --project-uuid {uuid.uuid4()}")
    assert again.code == 1 and "already holds project" in again.one_error_line()
    assert config_path(repo).read_bytes() == written


def test_a_project_uuid_needs_a_bind_ref_and_a_uuid(cli: Cli, repos: Path) -> None:
    repo = make_repo(repos, "fresh-app", COMMON)
    before = config_path(repo).read_bytes()
    base = ["bind", "--provider", "linear", "--repo", str(repo)]
    alone = cli.run(*base, "--project-uuid", str(uuid.uuid4()))
    assert alone.code == 2 and "--bind-ref" in alone.one_error_line()
    garbled = cli.run(*base, "--bind-ref", "srm_X", "--project-uuid", "nope")
    assert garbled.code == 2 and "not a uuid" in garbled.one_error_line()
    assert config_path(repo).read_bytes() == before
