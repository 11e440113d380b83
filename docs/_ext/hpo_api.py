"""``.. hpo-api:: PACKAGE``: the API reference of a package, generated from its ``__all__``.

Each public name is documented once, where users import it: the first package
(in the order of the pages) whose ``__all__`` holds the object documents it in
full (autodoc); a later package that re-exports the same object lists it in its
summary table with a link there. So a name added to an ``__all__`` appears by itself, and a module moved
inside ``hpo/`` changes nothing here.
"""

from __future__ import annotations

import importlib
import inspect

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

# Which package documents an object in full: the first in this order that exports it.
PACKAGES = ["hpo", "hpo.spaces", "hpo.strategies", "hpo.storage", "hpo.analysis", "hpo.benchmarking", "hpo.testing"]


def _first_owner(obj: object) -> str | None:
    for name in PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for public in getattr(module, "__all__", []):
            if getattr(module, public, None) is obj:
                return f"{name}.{public}"
    return None


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def _short_value(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 40 else f"<{type(obj).__name__}>"


def _describe(obj: object) -> str:
    """A constant's description, from its value (constants carry no docstring)."""
    if isinstance(obj, dict):
        keys = ", ".join(f"``{key!r}``" for key in obj)
        return f"A ``dict`` keyed by {keys}."
    return f"The constant ``{obj!r}``."


def _summary(obj: object) -> str:
    """The first line of the object's docstring; a constant's description from its value."""
    if _kind(obj) == "data":
        return _describe(obj)
    doc = inspect.getdoc(obj)
    return doc.strip().splitlines()[0] if doc else ""


def _summary_table(module: object, package: str, names: list[str]) -> list[str]:
    """A two-column table at the top of the page: each name, linked, and its one-line summary."""
    lines = [".. list-table::", "   :widths: 30 70", "   :class: hpo-api-summary", ""]
    for public in names:
        obj = getattr(module, public)
        owner = _first_owner(obj) or f"{package}.{public}"
        role = {"class": "class", "function": "func", "data": "data"}[_kind(obj)]
        lines += [f"   * - :py:{role}:`{public} <{owner}>`", f"     - {_summary(obj)}"]
    return lines + [""]


class HpoApi(SphinxDirective):
    """Document every name of ``PACKAGE.__all__``, in that order."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        package = self.arguments[0]
        try:
            module = importlib.import_module(package)
        except ImportError as exc:
            raise self.error(f"hpo-api: cannot import {package}: {exc}") from exc
        names = list(getattr(module, "__all__", []))
        if not names:
            raise self.error(f"hpo-api: {package} has no __all__")
        lines: list[str] = [f".. automodule:: {package}", "   :no-members:", ""]
        lines += _summary_table(module, package, names)
        for public in names:
            obj = getattr(module, public)
            owner = _first_owner(obj)
            full = f"{package}.{public}"
            if owner is not None and owner != full:
                continue  # described where it is listed first; the table above links there
            kind = _kind(obj)
            if kind == "class":
                # no :show-inheritance:: the bases are private classes or module paths that move
                lines += [f".. autoclass:: {full}", "   :members:", ""]
            elif kind == "function":
                lines += [f".. autofunction:: {full}", ""]
            else:
                # not autodata: a constant has no docstring of its own, and autodoc would show its type's
                lines += [f".. py:data:: {public}", f"   :module: {package}", f"   :value: {_short_value(obj)}", "",
                          f"   {_describe(obj)}", ""]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=f"<hpo-api {package}>"), self.content_offset, container)
        return container.children


def setup(app):
    app.add_directive("hpo-api", HpoApi)
    return {"parallel_read_safe": True, "version": "1"}
