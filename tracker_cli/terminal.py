"""The terminal: consoles, printing, and tables that fit. Host text is untrusted: it
is cleaned of control characters and escape sequences and always wrapped in ``Text``
(never parsed as markup).

Layout rules: on a terminal, tables get a header rule and, when the terminal is too
narrow for a table, each row becomes a small record (a heading line and indented
``field value`` lines) instead of cells folded letter by letter. Piped output is
plain aligned columns, one row per line (nothing wrapped, no trailing spaces), so
``grep`` and ``awk`` work on it; ``$COLUMNS`` sets its width when given.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TextIO

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from tracker_core.safe_text import clean_text

PIPE_WIDTH = 1000  # piped rows are never wrapped


def _pipe_width() -> int:
    raw = os.environ.get("COLUMNS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) >= 20 else PIPE_WIDTH


def _console(stream: TextIO) -> Console:
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    width = None if tty else _pipe_width()
    return Console(file=stream, width=width, emoji=False, highlight=False, soft_wrap=False)


out = _console(sys.stdout)
err = _console(sys.stderr)


def emit(renderable: RenderableType | str, console: Console | None = None) -> None:
    """Print ``renderable``; off a terminal, without the padding rich adds at line ends."""
    console = console or out
    if console.is_terminal:
        console.print(renderable)
        return
    with console.capture() as captured:
        console.print(renderable)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    console.file.write("\n".join(lines) + "\n")
    console.file.flush()


def t(value: object, style: str = "") -> Text:
    return Text(clean_text(value) if value is not None else "", style=style)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def print_json(data: object) -> None:
    """JSON on stdout only. ASCII-escaped, so host text cannot reach a terminal raw."""
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    emit(Text("warning: ", style="yellow") + t(message), err)


def note(message: str) -> None:
    emit(t(message))


# --- tables that fit the terminal ----------------------------------------------------


class Listing:
    """A titled table that falls back to one record per row when it does not fit."""

    def __init__(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Text]],
        *,
        lead: Sequence[int] = (0,),
        right: Sequence[int] = (),
        row_styles: Sequence[str | None] | None = None,
        plain: bool = False,
        wrap: Sequence[int] = (),
    ) -> None:
        self.title = title
        self.headers = list(headers)
        self.rows = [list(r) for r in rows]
        self.lead = list(lead)
        self.right = set(right)
        self.row_styles = list(row_styles) if row_styles is not None else None
        self.plain = plain  # no header rule even on a terminal (the quickstart look)
        self.wrap = set(wrap)  # prose columns: wrapping them is fine, folding ids is not

    WRAP_MIN = 28

    def table(self, terminal: bool, *, for_fit: bool = False) -> Table:
        table = Table(
            title=self.title or None,
            title_justify="left",
            title_style="bold",
            header_style="bold",
            box=box.SIMPLE_HEAD if terminal and not self.plain else None,
            show_edge=False,
            pad_edge=False,
            collapse_padding=terminal and not self.plain,
        )
        for i, name in enumerate(self.headers):
            table.add_column(
                name,
                justify="right" if i in self.right else "left",
                max_width=self.WRAP_MIN if for_fit and i in self.wrap else None,
            )
        for i, row in enumerate(self.rows):
            style = self.row_styles[i] if self.row_styles else None
            table.add_row(*row, style=style)
        return table

    def records(self) -> Iterator[RenderableType]:
        if self.title:
            yield Text(self.title, style="bold")
        for row in self.rows:
            heading = Text("  ").join(row[i] for i in self.lead if row[i].plain)
            yield heading
            grid = Table.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for i, cell in enumerate(row):
                if i not in self.lead and cell.plain:
                    grid.add_row(self.headers[i], cell)
            yield Padding(grid, (0, 0, 0, 4))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Fits when every column but the prose ones gets its full width.
        probe = self.table(console.is_terminal, for_fit=True)
        natural = Measurement.get(console, options.update(width=PIPE_WIDTH), probe).maximum
        if natural <= options.max_width or not self.rows:
            yield self.table(console.is_terminal)
        else:
            yield from self.records()
