"""The package as users get it: one wheel built per session (sdist first, then the
wheel from the sdist, as ``python -m build`` does) and fresh virtualenvs outside the
checkout that install it with the versions of ``uv.lock``, like ``pip install``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UV = [sys.executable, "-m", "uv"]  # the dev group pins it
# Whatever would tie a child to the checkout or to the developer's own venv.
_TIED = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
_LEAKY_PREFIXES = ("SK_TRACKER_", "SPEC_KITTY_", "XDG_", "STREAMLIT_")


def uv(*args: str | Path, cwd: Path) -> str:
    proc = subprocess.run(
        [*UV, *map(str, args)],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k not in _TIED},
        capture_output=True,
        text=True,
        timeout=900,  # a hang guard: the first run may download every wheel
        check=False,
    )
    assert proc.returncode == 0, f"uv {' '.join(map(str, args))}:\n{proc.stderr[-3000:]}"
    return proc.stdout


@dataclass(frozen=True)
class Venv:
    """A virtualenv with the wheel installed, and a home of its own outside the checkout."""

    root: Path
    home: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def script(self) -> Path:
        return self.root / "bin" / "sk-tracker"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in _TIED and not k.startswith(_LEAKY_PREFIXES) and k != "HOME"
        }
        base["HOME"] = str(self.home)
        base["SK_TRACKER_SETTINGS_FILE"] = str(self.home / "no-settings.toml")
        base.update(extra or {})
        return base

    def run(
        self, *args: str, extra: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``args`` (a command of the venv, by name) with the home as working folder."""
        return subprocess.run(
            [str(self.root / "bin" / args[0]), *args[1:]],
            cwd=self.home,
            env=self.env(extra),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,  # a hang guard
            check=False,
        )


@pytest.fixture(scope="session")
def packaging_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("packaging")
    assert not folder.resolve().is_relative_to(PROJECT_ROOT)
    return folder


@pytest.fixture(scope="session")
def wheel(packaging_dir: Path) -> Path:
    dist = packaging_dir / "dist"
    uv("build", "--out-dir", dist, PROJECT_ROOT, cwd=PROJECT_ROOT)
    [built] = dist.glob("sk_tracker-*.whl")
    return built


@pytest.fixture(scope="session")
def constraints(packaging_dir: Path) -> Path:
    """Every runtime dependency at its version in uv.lock."""
    path = packaging_dir / "constraints.txt"
    uv(
        "export",
        "--frozen",
        "--all-extras",
        "--no-dev",
        "--no-emit-project",
        "--no-hashes",
        "--format",
        "requirements-txt",
        "--output-file",
        path,
        cwd=PROJECT_ROOT,
    )
    return path


def make_venv(folder: Path, requirement: str, constraints: Path) -> Venv:
    root = folder / "venv"
    home = folder / "home"
    home.mkdir(parents=True)
    uv("venv", "--quiet", "--python", sys.executable, root, cwd=folder)
    uv(
        "pip",
        "install",
        "--quiet",
        "--python",
        root / "bin" / "python",
        "--constraint",
        constraints,
        requirement,
        cwd=folder,
    )
    return Venv(root, home)


@pytest.fixture(scope="session")
def full_venv(packaging_dir: Path, wheel: Path, constraints: Path) -> Venv:
    """``pip install 'sk_tracker-….whl[all]'``."""
    return make_venv(packaging_dir / "all", f"sk-tracker[all] @ {wheel.as_uri()}", constraints)


@pytest.fixture(scope="session")
def bare_venv(packaging_dir: Path, wheel: Path, constraints: Path) -> Venv:
    """``pip install sk_tracker-….whl``: no extras."""
    return make_venv(packaging_dir / "bare", f"sk-tracker @ {wheel.as_uri()}", constraints)
