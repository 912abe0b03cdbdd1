"""Every third-party module the code imports is a declared, bounded dependency, and every
declared dependency is used: app/ and alembic/ by [project] dependencies, tests/, bench/
and tools/ by those and the dev group."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from app.settings import PROJECT_ROOT

RUNTIME_DIRS = ("app", "alembic")
DEV_DIRS = ("tests", "bench", "tools")
OWN_PACKAGES = {"app", "tests", "bench", "tools"}
NOT_IMPORTED = {  # declared, but never named in an import statement
    "psycopg": "SQLAlchemy's PostgreSQL driver, chosen by the database URL",
    "ruff": "the linter, run by make",
    "mypy": "the type checker, run by make",
    "pandas-stubs": "type information for pandas, read by mypy",
    "types-openpyxl": "type information for openpyxl, read by mypy",
    "types-pyyaml": "type information for PyYAML, read by mypy",
}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0])


def _pyproject() -> dict:
    return tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())


def _runtime_requirements() -> list[str]:
    return _pyproject()["project"]["dependencies"]


def _dev_requirements() -> list[str]:
    return _pyproject()["dependency-groups"]["dev"]


@cache
def packages_distributions() -> dict[str, list[str]]:
    return dict(metadata.packages_distributions())


def imported_modules(dirs: Iterable[str]) -> dict[str, set[Path]]:
    """Top-level names of the third-party modules imported anywhere under `dirs`, with where."""
    found: dict[str, set[Path]] = {}
    for d in dirs:
        for module, paths in _imports_under(d).items():
            found.setdefault(module, set()).update(paths)
    return found


@cache
def _imports_under(directory: str) -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {}
    for path in (PROJECT_ROOT / directory).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in OWN_PACKAGES:
                    found.setdefault(top, set()).add(path.relative_to(PROJECT_ROOT))
    return found


def undeclared(modules: Iterable[str], declared: set[str]) -> dict[str, list[str]]:
    """The modules no declared distribution provides, with the distributions that do."""
    providers = packages_distributions()
    missing = {}
    for module in modules:
        dists = {_normalise(d) for d in providers.get(module, [])}
        if not dists & declared:
            missing[module] = sorted(dists) or ["(not installed)"]
    return missing


def test_app_imports_only_declared_dependencies() -> None:
    declared = {_requirement_name(r) for r in _runtime_requirements()}
    assert undeclared(imported_modules(RUNTIME_DIRS), declared) == {}


def test_tests_bench_and_tools_import_only_declared_dependencies() -> None:
    declared = {_requirement_name(r) for r in _runtime_requirements() + _dev_requirements()}
    assert undeclared(imported_modules(DEV_DIRS), declared) == {}


def test_every_declared_dependency_is_used() -> None:
    providers = packages_distributions()
    used = {_normalise(d) for module in imported_modules(RUNTIME_DIRS + DEV_DIRS)
            for d in providers.get(module, [])}
    declared = {_requirement_name(r) for r in _runtime_requirements() + _dev_requirements()}
    assert declared - used - set(NOT_IMPORTED) == set()


def test_every_dependency_has_a_lower_bound() -> None:
    assert [r for r in _runtime_requirements() + _dev_requirements() if ">=" not in r] == []


def test_the_check_sees_an_undeclared_import() -> None:
    # pluggy is installed (pytest needs it) but declared by nobody here
    assert undeclared(["pluggy", "yaml"], {"pyyaml"}) == {"pluggy": ["pluggy"]}
    assert "sqlalchemy" in imported_modules(["app"])
    assert "pytest" not in imported_modules(["app"])
