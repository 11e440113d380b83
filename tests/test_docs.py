"""The documentation: the site builds with warnings as errors, and every code block of the guide runs.

The guide (``docs/*.md``, ``docs/guide/*.md``) holds three kinds of block:
``pycon`` (Python sessions, run here as doctests), ``console`` (shell commands
after ``$``, run here and required to succeed) and ``text`` (output only).
Any other fence is refused, so that no untested code reaches a page.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted([*DOCS.glob("*.md"), *DOCS.glob("guide/*.md")])
FENCE = re.compile(r"^(`{3,})(\S*)[^\n]*\n(.*?)^\1\s*$", re.M | re.S)
RUN_LANGUAGES = {"pycon", "console"}
OTHER_LANGUAGES = {"text", "{toctree}", "{include}", "{image}", "{note}", "{warning}"}


def _blocks(page: Path) -> list[tuple[str, str, int]]:
    """(language, body, line number of the body, from 0) of each fenced block."""
    text = page.read_text()
    return [(m.group(2), m.group(3), text.count("\n", 0, m.start(3))) for m in FENCE.finditer(text)]


def _commands(block: str) -> list[str]:
    """The commands of a ``console`` block: lines after ``$ ``, with ``\\`` continuations joined."""
    commands, current = [], None
    for line in block.splitlines():
        if current is not None:
            current += "\n" + line
        elif line.startswith("$ "):
            current = line[2:]
        else:
            continue
        if not current.endswith("\\"):
            commands.append(current)
            current = None
    return commands


def test_the_guide_has_pages_and_only_known_blocks():
    assert PAGES, f"no Markdown pages under {DOCS}"
    for page in PAGES:
        for language, _, _ in _blocks(page):
            assert language in RUN_LANGUAGES | OTHER_LANGUAGES, (
                f"{page.relative_to(DOCS)}: a ```{language} block; use pycon (doctest), console ($ commands) "
                f"or text (output), so that every code block is run by tests/test_docs.py"
            )


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_code_block_of_the_page_runs(page, tmp_path, monkeypatch):
    """The page's ``pycon`` blocks as one doctest, then its ``console`` commands, in a fresh folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    blocks = _blocks(page)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    namespace: dict = {"__name__": "__docs__"}  # one session per page: later blocks use earlier names
    report: list[str] = []
    with warnings.catch_warnings():  # a page's warnings.simplefilter stays on the page
        for language, body, line in blocks:
            if language == "pycon":
                test = parser.get_doctest(body, namespace, page.name, str(page), line)
                runner.run(test, out=report.append, clear_globs=False)
                namespace = test.globs  # a DocTest runs in a copy of the names it was given
    if runner.tries:
        assert runner.failures == 0, f"{runner.failures} example(s) of {page.name} failed:\n" + "".join(report)[:6000]
    hpo_cli = [sys.executable, "-m", "hpo"]
    for language, body, _ in blocks:
        if language != "console":
            continue
        for command in _commands(body):
            if command.startswith("pip ") or "pip install" in command:
                continue  # installing is README's command, checked by CI itself
            shell = command.replace("hpo ", " ".join(hpo_cli) + " ", 1) if command.startswith("hpo ") else command
            done = subprocess.run(shell, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"{page.name}: `{command}` exited {done.returncode}:\n{done.stderr[-2000:]}"


@pytest.mark.slow
def test_the_site_builds_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx", reason='the docs need Sphinx: pip install -e ".[docs]"')
    for module in ("numpydoc", "myst_parser", "furo"):
        pytest.importorskip(module, reason=f'the docs need {module}: pip install -e ".[docs]"')
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=900, env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert done.returncode == 0, f"sphinx-build -W failed:\n{done.stderr[-5000:]}"
    index = (tmp_path / "html" / "index.html").read_text()
    assert "guide/index.html" in index and "api/index.html" in index
    api = "".join(page.read_text() for page in (tmp_path / "html" / "api").glob("*.html"))
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        from hpo_api import PACKAGES, _first_owner
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    import importlib

    for package in PACKAGES:  # every public name is described on the API pages, once, where it is listed first
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue  # hpo.testing before it is merged (docs/api/testing.rst: TODO)
        for name in module.__all__:
            owner = _first_owner(getattr(module, name))
            assert f'id="{owner}"' in api, f"{package}.{name} ({owner}) is missing from the API reference"
    assert "Convert a string or number to a floating point number" not in api  # a constant shown with float's doc
    shutil.rmtree(tmp_path / "html", ignore_errors=True)


def test_the_examples_page_lists_every_example_script():
    listed = set(re.findall(r"^\| `(\w+\.py)` \|", (DOCS / "examples.md").read_text(), re.M))
    scripts = {path.name for path in (DOCS.parent / "examples").glob("*.py")}
    assert listed == scripts, f"docs/examples.md lists {sorted(listed - scripts)} that do not exist and " \
                              f"misses {sorted(scripts - listed)}"


def test_the_readme_space_tuner_and_halving_blocks_run_in_order_and_show_what_their_comments_say():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    space_block, tuner_block, halving_block = re.findall(r"```python\n(.*?)```", readme, re.S)[:3]
    *lines, last = space_block.rstrip().splitlines()
    assert last.startswith('space.validate({"n_layers": 1})') and "ValueError: units_0: missing" in last
    namespace: dict = {}
    exec(compile("\n".join(lines), "README.md", "exec"), namespace)
    assert len(namespace["space"].grid(resolution=3)) == 1440
    with pytest.raises(ValueError, match="units_0: missing, but it is active"):
        exec(compile(last, "README.md", "exec"), namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(tuner_block, "README.md", "exec"), namespace)
        exec(compile(halving_block, "README.md", "exec"), namespace)  # after the others, as a reader runs them
    tuner = namespace["tuner"]
    assert (tuner.n_resources_, tuner.n_candidates_) == ([2, 6, 17, 50], [27, 9, 3, 1])
    assert (tuner.n_iterations_, tuner.n_required_iterations_, tuner.n_possible_iterations_) == (4, 4, 4)
