"""The CLI's side of git remotes: a progress bar while remotes are fetched, and
what a remote bind reports (the pushed branch and the pull/merge request link)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from .render import bind_success
from .terminal import emit, err, note, t

if TYPE_CHECKING:
    from tracker_core.flows.remote_bind import RemoteBindOutcome

ProgressFn = Callable[[int, int, str], None]


@contextmanager
def remote_progress(total: int) -> Iterator[ProgressFn | None]:
    """A rich progress bar on stderr, one step per remote fetched (none for no remotes)."""
    if total == 0:
        with err.status("Auditing repos…"):
            yield None
        return
    bar = Progress(
        TextColumn("Fetching git remotes"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    )
    with bar:
        task = bar.add_task("", total=total)

        def advance(done: int, count: int, name: str) -> None:
            bar.update(task, completed=done, total=count, description=name)

        yield advance


def remote_bind_success(outcome: RemoteBindOutcome) -> None:
    """What a local bind shows, then where the commit went."""
    bind_success(outcome.bind)
    grid = Table.grid(padding=(0, 2))
    grid.add_column()
    grid.add_column()
    grid.add_row("pushed to", t(outcome.branch))
    grid.add_row("commit", t(outcome.commit[:12]))
    if outcome.review_url:
        grid.add_row("review", t(outcome.review_url))
    emit(Padding(grid, (0, 0, 0, 2)))
    if not outcome.to_default:
        note(
            f"The config change is on branch {outcome.branch}: merge it into the default "
            "branch to finish."
        )
