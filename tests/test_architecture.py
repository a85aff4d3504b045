"""The layout of docs/architecture.md holds: imports only point down.

Inside ``tracker_core`` each subpackage's docstring says what it imports ("Imports
`host`, `config` …; never …"); an import of anything else, or of a subpackage that
is not below it, is an upward arrow. The modules at the top of ``tracker_core``
(``closing``, ``errors``, ``providers``, ``safe_text``) are leaves every layer may use.
Between packages: ``tracker_core`` never imports Streamlit, the reference host or a
face; ``tracker_host`` never imports ``tracker_core`` (two independent readings of
the contract); no face uses another's code (the CLI only locates the dashboard's
``app.py`` to start it). Every import counts, also those inside
functions and ``TYPE_CHECKING`` blocks.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "tracker_core"
PACKAGES = ("tracker_core", "tracker_host", "tracker_cli", "tracker_dashboard")
LEAVES = {"closing", "errors", "providers", "safe_text"}
# `sk-tracker dashboard` finds the app.py bundled in the dashboard's package (to run
# Streamlit on it); it uses none of the dashboard's code.
LOCATES = {("tracker_cli.launch", "tracker_dashboard")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every module ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            # ``from pkg import sub`` imports the submodule when there is one.
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    ROOT / Path(*candidate.split(".")) / "__init__.py"
                ).exists():
                    yield candidate


def sources(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def graph(folders: tuple[str, ...]) -> dict[str, set[str]]:
    return {module_name(p): set(imports_of(p)) for p in sources(*folders)}


def declared_neighbours() -> dict[str, set[str]]:
    """Subpackage → the subpackages and leaves its docstring says it imports."""
    out: dict[str, set[str]] = {}
    for init in sorted(CORE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        # The sentence up to its first ";" or "never" (what it must not import).
        match = re.search(r"^Imports\b(.*?)(?:;|never|\n\s*\n|\Z)", doc, re.M | re.S)
        assert match, f"{init.parent.name}/__init__ docstring names no imports"
        names = re.findall(r"`(?:tracker_core\.)?(\w+)`", match.group(1))
        out[init.parent.name] = set(names)
    return out


def closure(neighbours: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(neighbours.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(neighbours.get(name, ()))
    return seen


def layer(module: str) -> str | None:
    """The subpackage (or top-level module) of ``tracker_core`` a module is in."""
    parts = module.split(".")
    return parts[1] if parts[0] == "tracker_core" and len(parts) > 1 else None


def test_subpackage_docstrings_name_their_room_and_neighbours() -> None:
    declared = declared_neighbours()
    subpackages = {p.parent.name for p in CORE.glob("*/__init__.py")}
    assert set(declared) == subpackages
    for name, neighbours in declared.items():
        assert neighbours <= subpackages | LEAVES, (name, neighbours - subpackages - LEAVES)
        assert name not in closure(declared, name), f"{name} is declared in a cycle"


def test_tracker_core_imports_only_point_down() -> None:
    declared = declared_neighbours()
    upward: list[str] = []
    for module, targets in graph(("tracker_core",)).items():
        here = layer(module)
        if here is None or here in LEAVES:
            continue
        allowed = closure(declared, here) | LEAVES | {here}
        for target in targets:
            there = layer(target)
            if target.startswith("tracker_core.") and there not in allowed:
                upward.append(f"{module} -> {target}")
    assert not upward, upward


def test_leaves_import_only_leaves() -> None:
    for module, targets in graph(("tracker_core",)).items():
        if layer(module) in LEAVES:
            ours = {t for t in targets if t.startswith("tracker_core.")}
            assert {layer(t) for t in ours} <= LEAVES, (module, ours)


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("tracker_core", ("streamlit", "tracker_host", "tracker_cli", "tracker_dashboard")),
        ("tracker_host", ("tracker_core", "tracker_cli", "tracker_dashboard", "streamlit")),
        ("tracker_cli", ("tracker_dashboard",)),
        ("tracker_dashboard", ("tracker_cli", "tracker_host")),
    ],
)
def test_packages_keep_to_their_side(package: str, forbidden: tuple[str, ...]) -> None:
    crossing = [
        f"{module} -> {target}"
        for module, targets in graph((package,)).items()
        for target in targets
        if target.split(".")[0] in forbidden and (module, target) not in LOCATES
    ]
    assert not crossing, crossing


def test_no_import_cycle_between_our_modules() -> None:
    edges = graph(PACKAGES)
    ours = {m: {t for t in targets if t in edges and t != m} for m, targets in edges.items()}
    # A package's __init__ importing its own modules is how re-exports work, not a cycle.
    for module in ours:
        ours[module] = {t for t in ours[module] if not t.startswith(module + ".")}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(ours[module]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(ours):
        if module not in state:
            visit(module)


MAX_MODULE_LINES = 400
SHIPPED = (*PACKAGES, "pages")


def test_no_shipped_module_is_over_the_size_limit() -> None:
    """A module past ~400 lines holds more than one concern: split it by concern."""
    modules = [*sources(*SHIPPED), ROOT / "app.py"]
    assert len(modules) > len(SHIPPED)  # the walk found the code
    lines = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in modules
    }
    too_long = {name: n for name, n in lines.items() if n > MAX_MODULE_LINES}
    assert not too_long, too_long
