"""The shape of app/ (README, "Architecture"), checked on its import graph, read with ast.

A unit is a package of app/ (a domain, core, db, web) or a top-level module (main, cli,
settings, ...). Every import counts, also one inside a function or under TYPE_CHECKING:
a deferred import is still a dependency. Modules of one package may import each other
both ways; between units the graph has no cycle, so there is an order in which each
unit only uses those below it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from app.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
DOMAINS = frozenset({"accounts", "approvals", "assessment", "audit", "benchmark", "buyer", "catalogue",
                     "contracts", "fhir", "reporting", "search"})


def _module(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in APP.rglob("*.py") if path != APP / "__init__.py"}


def _imported(module: str, path: Path) -> set[str]:
    """The app modules (or packages) that `module` imports."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from app.x import y` imports the module app.x.y when there is one
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {name for name in found if name.startswith("app.") and name != module}


IMPORTS = {module: _imported(module, path) for module, path in MODULES.items()}


def _unit(module: str) -> str:
    return module.split(".")[1]


def _edges() -> dict[tuple[str, str], list[str]]:
    """(unit, unit it imports) -> the module imports that make the edge."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, imported in IMPORTS.items():
        for target in sorted(imported):
            if _unit(module) != _unit(target):
                edges[_unit(module), _unit(target)].append(f"{module} imports {target}")
    return edges


def _cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """For each unit on a cycle, a shortest cycle through it (each cycle once)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    cycles: dict[frozenset[tuple[str, str]], list[str]] = {}
    for start in sorted(graph):
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for nxt in sorted(graph[node]):
                if nxt == start:
                    cycle = paths[node] + [start]
                    cycles.setdefault(frozenset(pairwise(cycle)), cycle)
                    queue = []
                    break
                if nxt not in paths:
                    paths[nxt] = paths[node] + [nxt]
                    queue.append(nxt)
    return list(cycles.values())


def _uses(unit: str, forbidden: frozenset[str]) -> list[str]:
    return [why for (a, b), whys in sorted(_edges().items()) if a == unit and b in forbidden for why in whys]


def test_the_graph_is_read() -> None:
    assert {"main", "cli", "core", "db", "web", *DOMAINS} <= {_unit(m) for m in MODULES}
    assert "app.db.engine" in IMPORTS["app.cli"]  # an import inside a function counts
    assert "app.db.base" in IMPORTS["app.catalogue.models"]


def test_no_import_cycle_between_packages() -> None:
    edges = _edges()
    problems = []
    for cycle in _cycles(edges):
        problems.append(" -> ".join(cycle))
        problems += [f"    {edges[a, b][0]}" + (f" (and {len(edges[a, b]) - 1} more)" if len(edges[a, b]) > 1 else "")
                     for a, b in pairwise(cycle)]
    assert not problems, "import cycles between units of app/:\n" + "\n".join(problems)


def test_the_database_layer_imports_no_domain() -> None:
    assert _uses("db", DOMAINS | {"core", "web"}) == []


def test_the_kernel_imports_no_domain() -> None:
    assert _uses("core", DOMAINS | {"web"}) == []


def test_the_web_toolkit_imports_no_domain() -> None:
    assert _uses("web", DOMAINS) == []


def test_no_api_imports_pages_and_no_pages_imports_api() -> None:
    kinds = {"api": "pages", "pages": "api"}
    crossed = [f"{module} imports {target}" for module, imported in sorted(IMPORTS.items())
               if module.rpartition(".")[2] in kinds
               for target in sorted(imported) if target.rpartition(".")[2] == kinds[module.rpartition(".")[2]]]
    assert crossed == []
