"""The house stays drawn: no import cycle inside hpo/, no module over 600 lines, each module says what it holds."""

from __future__ import annotations

import ast
import pathlib

import pytest

import hpo

ROOT = pathlib.Path(hpo.__file__).parent
MAX_LINES = 600


def _modules() -> dict[str, pathlib.Path]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(name: str, path: pathlib.Path, modules: dict) -> dict[str, int]:
    """The hpo modules ``name`` imports (at any level of the file, lazy imports too), with a line of each."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from pkg import sub`` imports the submodule; ``from pkg.mod import name`` the module
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for target in targets:
            if target in modules and target != name:
                found.setdefault(target, node.lineno)
    return found


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_inside_hpo():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles = _cycles(graph)
    lines = [
        f"{a} -> {b} (line {graph[a][b]})" for component in cycles for a in component for b in graph[a] if b in component
    ]
    assert not cycles, "import cycles inside hpo/:\n" + "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert _cycles(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(_modules()))
def test_module_is_small_and_says_what_it_holds(name):
    path = _modules()[name]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_LINES, f"{path} has {len(source.splitlines())} lines (> {MAX_LINES})"
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring and docstring.strip(), f"{path} has no module docstring saying what it holds"


def _private_imports_across_packages(graph: dict[str, dict[str, int]]) -> list[str]:
    """Imports of a package's private module (``hpo.pkg._mod``) from outside that package; the top level's
    private modules (``hpo._scalars``) are the whole package's shared helpers."""
    found = []
    for a, targets in graph.items():
        for b, line in targets.items():
            parts = b.split(".")
            private = [i for i, part in enumerate(parts) if part.startswith("_") and i > 1]
            package = ".".join(parts[: private[0]]) if private else None
            if package and a != package and not a.startswith(package + "."):
                found.append(f"{a} imports {b} (line {line})")
    return found


def test_no_package_reaches_into_another_packages_private_module():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _private_imports_across_packages(graph) == []


def test_the_private_import_finder_finds_one():
    graph = {"hpo.a.x": {"hpo.b._y": 3, "hpo._shared": 4, "hpo.a._z": 5}, "hpo.b.w": {"hpo.b._y": 1},
             "hpo.b": {"hpo.b._y": 2}}
    assert _private_imports_across_packages(graph) == ["hpo.a.x imports hpo.b._y (line 3)"]
