"""Every public name has a numpy-style docstring with an example, and every example in hpo/ runs (doctest)."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import hpo

#: The packages whose ``__all__`` is hpo's public API (as the API reference lists it).
PUBLIC_PACKAGES = ["hpo", "hpo.spaces", "hpo.strategies", "hpo.storage", "hpo.analysis", "hpo.benchmarking",
                   "hpo.testing"]
#: What the examples may write without spelling every digit.
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    names = ["hpo"]
    for info in pkgutil.walk_packages(hpo.__path__, prefix="hpo."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        names.append(info.name)
    return sorted(names)


def _public_names() -> list[tuple[str, str]]:
    """(package, name) of every public name, each object once (under the first package that exports it)."""
    seen: set[int] = set()
    found = []
    for package in PUBLIC_PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue  # constants (INACTIVE, SUITES...) are documented by their values
            seen.add(id(obj))
            found.append((package, name))
    return found


@pytest.mark.parametrize("module_name", _modules())
def test_the_examples_of_every_module_run(module_name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, module_name):  # the module's names, as `pytest --doctest-modules` gives
        if test.examples and test.name.startswith(module_name):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {module_name} failed (see above)"


@pytest.mark.parametrize("package, name", _public_names())
def test_every_public_name_has_a_numpy_docstring_with_an_example(package, name):
    obj = getattr(importlib.import_module(package), name)
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{package}.{name} has no docstring"
    lines = doc.splitlines()
    assert any(line.strip() == "Examples" and following.strip().startswith("--------")
               for line, following in zip(lines, lines[1:])), f"{package}.{name} has no numpy-style Examples section"
    assert ">>> " in doc, f"{package}.{name}'s Examples section has no example to run"
