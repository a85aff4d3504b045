"""Build hook: a wheel carries the dashboard's ``app.py`` and ``pages/`` inside
``tracker_dashboard/streamlit_app/``, so ``sk-tracker dashboard`` runs from an
installed package. The repository keeps one copy, at the top, where
``streamlit run app.py`` finds it. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLE = Path("tracker_dashboard", "streamlit_app")


def app_files() -> list[Path]:
    """The dashboard's scripts, relative to the project root."""
    return [Path("app.py"), *sorted(p.relative_to(ROOT) for p in (ROOT / "pages").glob("*.py"))]


class BuildPyWithApp(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install runs the checkout's own app.py
            return
        for source in app_files():
            target = Path(self.build_lib, BUNDLE, source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / source, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        bundled = [] if self.editable_mode else app_files()
        extra = [str(Path(self.build_lib, BUNDLE, source)) for source in bundled]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildPyWithApp})
