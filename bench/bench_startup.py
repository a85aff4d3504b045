"""``sk-tracker --help`` start-up, best of several runs in a fresh process each time,
against a CLI that imported everything up front (pandas, Streamlit, the frames) and
against the bare interpreter start (the floor)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import Figure, best_time, main_for

TARGET_SECONDS = 0.4
EAGER = "import tracker_cli.main, tracker_core.tables.frames, streamlit"


def _command() -> list[str]:
    script = Path(sys.executable).with_name("sk-tracker")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "tracker_cli"]


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def run(tiny: bool = False) -> list[Figure]:
    repeat = 1 if tiny else 7
    help_argv = [*_command(), "--help"]
    _run(help_argv)  # compile the byte code once
    measured = best_time(lambda: _run(help_argv), repeat)
    eager = best_time(lambda: _run([sys.executable, "-c", EAGER]), max(repeat // 2, 1))
    floor = best_time(lambda: _run([sys.executable, "-c", "pass"]), repeat)
    return [
        Figure(
            name="sk-tracker --help start-up",
            measured=measured,
            unit="s",
            baseline=eager,
            baseline_label="(eager imports)",
            ideal=floor,
            ideal_label="(bare interpreter)",
            target=f"< {TARGET_SECONDS} s",
            passed=measured < TARGET_SECONDS,
            note=f"best of {repeat} fresh processes",
        )
    ]


if __name__ == "__main__":
    sys.exit(main_for(run, __doc__ or ""))
