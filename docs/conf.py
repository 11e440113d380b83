"""Sphinx configuration of hpo's documentation: ``sphinx-build -W -b html docs docs/_build/html``."""

import os
import sys

sys.path.insert(0, os.path.abspath("_ext"))

import hpo  # noqa: E402

project = "hpo"
author = "the hpo developers"
copyright = "the hpo developers"
release = version = hpo.__version__

extensions = [
    "sphinx.ext.autodoc",
    "numpydoc",
    "myst_parser",
    "hpo_api",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"          # numpydoc's Parameters section carries the types
numpydoc_show_class_members = False  # members come from autodoc's :members:
numpydoc_class_members_toctree = False

myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"hpo {release}"


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out members that scikit-learn generates on hpo's classes (``set_fit_request``...).

    They are documented by scikit-learn, and their docstrings refer to its own glossary.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and module.startswith("sklearn."):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
