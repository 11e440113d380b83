"""The one-page report (Markdown and HTML), and ``hpo plot`` / ``hpo report`` on a stored study."""

from __future__ import annotations

import base64
import re
import sys

import pytest

import hpo
from hpo import Candidate, Categorical, Float, Space, Trial
from hpo.analysis import seed_robustness, write_report
from hpo.cli import main
from hpo.trial import FAILED

from .conftest import assert_png, mixed_objective, small_objective, small_space


@pytest.fixture(scope="module")
def robustness_warning(mixed_result):
    # an objective under which the search's order is reversed: the winner wins on its own seed only
    return seed_robustness(mixed_result, objective=lambda c, s: -mixed_objective(c), seeds=[1, 2], top_k=3)


def test_markdown_report_has_every_part(mixed_result, robustness_warning, tmp_path):
    record = {"name": "demo", "strategy": "random", "seed": 0, "created": 1.7e9,
              "versions": {"hpo": "0.1.0", "numpy": "2"}, "space": mixed_result.space.to_dict()}
    page = tmp_path / "out" / "report.md"
    text = write_report(mixed_result, str(page), record=record, robustness=robustness_warning)
    assert page.read_text() == text
    assert text.startswith("# hpo study demo")
    assert text.index("**Warning:**") < text.index("## Record")  # the warning is at the top
    for heading in ("## Record", "## Summary", "## Best trials", "## Importance", "## Seed robustness", "## Plots"):
        assert heading in text
    assert "| versions | hpo=0.1.0, numpy=2 |" in text and "2023-11-14" in text
    assert "| 1 | " + str(mixed_result.best_trial.number) + " | " in text
    assert re.search(r"\| lr \| 0\.\d{3} \|", text)
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert {"report_files/convergence.png", "report_files/importance.png", "report_files/slices.png",
            "report_files/parallel_coordinates.png"} <= set(images)
    for rel in images:
        assert_png(page.parent / rel)


def test_html_report_is_one_file_with_embedded_plots(tmp_path):
    result = hpo.optimize(small_objective, small_space(), n_trials=12, seed=0)
    page = tmp_path / "report.html"
    text = write_report(result, str(page), title="<odd & title>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert text.startswith("<!DOCTYPE html>") and "<title>&lt;odd &amp; title&gt;</title>" in text
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert len(pngs) == 5  # convergence, importance, slices, parallel coordinates, contour
    png = tmp_path / "first.png"
    png.write_bytes(base64.b64decode(pngs[0]))
    assert_png(png)
    assert "<table>" in text and "<th>parameter</th>" in text


def test_report_without_matplotlib_still_writes_the_tables(monkeypatch, mixed_result, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    text = write_report(mixed_result, str(tmp_path / "r.md"))
    assert "## Importance" in text and 'No plots: hpo\'s plots need matplotlib: pip install "hpo[plot]"' in text
    assert not (tmp_path / "r_files").exists() or not any((tmp_path / "r_files").iterdir())


def test_report_of_a_small_search_with_failures(tmp_path):
    space = Space(x=Float(0, 1), kind=Categorical(["a|b", "c"]))

    def objective(c):
        if c["x"] > 0.6:
            raise ValueError("too large")
        return c["x"]

    result = hpo.optimize(objective, space, n_trials=6, seed=0)
    text = write_report(result, str(tmp_path / "r.md"), plots=False)
    assert "Not computed: importance needs at least 5 ok trials" in text
    assert "| ValueError: too large |" in text
    assert "a\\|b" in text or "a|b" not in text.split("## Best trials")[1]  # a pipe in a cell is escaped
    assert "## Plots" not in text


def test_report_of_a_search_where_everything_failed(tmp_path):
    result = hpo.Result(Space(x=Float(0, 1)), strategy="random")
    for i in range(3):
        result.add(Trial(i, Candidate({"x": 0.5}, None, i), FAILED, error="RuntimeError: boom"))
    text = write_report(result, str(tmp_path / "r.html"))
    assert "3 trials, 0 ok, 3 failed" in text and "RuntimeError: boom" in text
    assert "Best trials" not in text


def test_a_tuner_report_shows_validation_scores(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=6,
                      random_state=0).fit(X, y)
    text = write_report(tuner, str(tmp_path / "t.md"), plots=False)
    assert f"Best validation score {tuner.best_score_:.6g}" in text
    assert "| rank | trial | validation score | max_depth |" in text


def test_a_tuner_report_names_its_scorer(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=6,
                      scoring="balanced_accuracy", random_state=0).fit(X, y)
    text = write_report(tuner, str(tmp_path / "t.md"), plots=False)
    assert f"Best validation balanced_accuracy {tuner.best_score_:.6g}" in text
    assert "| rank | trial | validation balanced_accuracy | max_depth |" in text


@pytest.mark.parametrize("refit", ["f1_macro", False])
def test_a_multi_metric_tuner_report_names_the_metric_it_ranked_by(tmp_path, refit):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=6,
                      scoring=["accuracy", "f1_macro"], refit=refit, random_state=0).fit(X, y)
    ranked_by = refit or "accuracy"  # scikit-learn: the first scorer when refit is False
    # from the fitted Tuner, and from its trials alone (a stored study: the metric whose mean is the value)
    for search in (tuner, tuner.result_):
        text = write_report(search, str(tmp_path / "t.md"), plots=False)
        assert f"| rank | trial | validation {ranked_by} | max_depth |" in text, text[:600]


# ----------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    pytest.importorskip("hpo.storage")
    db = tmp_path_factory.mktemp("db") / "studies.db"
    hpo.optimize(small_objective, small_space(), n_trials=12, seed=0, storage=str(db), study="mixed run")
    return db


def test_hpo_plot_writes_pngs(stored, tmp_path, capsys):
    out = tmp_path / "plots"
    assert main(["plot", str(stored), "mixed run", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    written = sorted(p.name for p in out.iterdir())
    assert written == ["contour.png", "convergence.png", "importance.png", "parallel_coordinates.png", "slices.png"]
    for p in out.iterdir():
        assert_png(p)
        assert f"plot: {p}" in captured.out
    assert "no budgets plot: not a multi-fidelity search" in captured.err


def test_hpo_report_writes_a_page_with_the_record(stored, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(stored), "mixed run", "--no-plots"]) == 0
    page = tmp_path / "mixed_run-report.md"  # the default name
    assert capsys.readouterr().out.strip() == f"report: {page.name}"
    text = page.read_text()
    assert text.startswith("# hpo study mixed run") and "| strategy | auto |" in text  # the default ran
    assert "| seed | 0 |" in text and "scikit-learn=" in text and "## Importance" in text
    assert main(["report", f"sqlite:///{stored}", "mixed run", "--format", "html", "--out", "r.html"]) == 0
    assert (tmp_path / "r.html").read_text().count("data:image/png;base64,") == 5  # with the contour


def test_hpo_plot_and_report_errors(stored, tmp_path, capsys):
    assert main(["report", str(stored), "nope"]) == 2
    assert "no study named 'nope'" in capsys.readouterr().err
    missing = tmp_path / "missing.db"
    assert main(["plot", str(missing), "x"]) == 2
    assert "no such file" in capsys.readouterr().err and not missing.exists()  # never created
    foreign = tmp_path / "foreign.db"
    foreign.write_text("not a database at all, just text " * 100)
    assert main(["plot", str(foreign), "x"]) == 2
    assert "foreign.db" in capsys.readouterr().err


def test_a_stored_tuner_study_is_shown_as_validation_scores(tmp_path):
    # A Tuner's trials carry EstimatorObjective's metrics: a Result loaded without the Tuner still
    # shows scores, not their negatives.
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=6,
                      random_state=0).fit(X, y)
    text = write_report(tuner.result_, str(tmp_path / "t.md"), plots=False)
    assert f"Best validation score {tuner.best_score_:.6g}" in text


def test_html_report_renders_code_spans_and_gives_every_image_alt_text(tmp_path):
    result = hpo.optimize(small_objective, small_space(), "sobol", n_trials=12, seed=0)
    text = write_report(result, str(tmp_path / "report.html"))
    assert "Strategy <code>sobol</code>" in text
    body = re.sub(r"<pre>.*?</pre>", "", text, flags=re.S)
    assert "`" not in body  # no Markdown backtick shown as text
    images = re.findall(r"<img\b[^>]*>", text)
    assert len(images) == 5
    for img in images:
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and len(alt.group(1).strip()) > 10, img[:200]
    assert "<meta name='viewport'" in text


def test_report_of_a_multi_fidelity_search_shows_its_learning_curves(tmp_path):
    space = Space(lr=Float(1e-3, 1.0, log=True), depth=hpo.Int(1, 4))

    def objective(config, trial):
        value = 1.0
        for step in range(1, int(trial.budget) + 1):
            value = abs(config["lr"] - 0.1) + 0.05 * config["depth"] + 1.0 / step
            trial.report(step, value)
        return value

    result = hpo.optimize(objective, space, "halving", n_trials=12, seed=0,
                          strategy_options={"min_budget": 1, "max_budget": 9})
    text = write_report(result, str(tmp_path / "report.md"))
    assert "### Learning curves" in text and "(report_files/learning_curves.png)" in text
    assert "### Value against budget" in text
    assert_png(tmp_path / "report_files" / "learning_curves.png")


def test_the_report_says_what_the_model_estimated_and_what_the_cost_guard_did(tmp_path):
    from hpo.strategies import AutoStrategy

    space = Space(x=Float(0.0, 1.0))
    strategy = AutoStrategy(space, seed=0)
    strategy.cost_guard.first_check = 16  # a microsecond objective: the guard switches at its first check
    with pytest.warns(hpo.strategies.SlowSuggestionWarning):
        result = hpo.optimize(lambda c: (c["x"] - 0.3) ** 2, space, strategy, n_trials=20)
    text = write_report(result, str(tmp_path / "r.md"), plots=False)
    assert re.search(r"The model puts \d+\.\d% of the losses' variance down to noise", text)
    assert re.search(r"Cost guard, after 16 trials: .* one proposal in \d+ came from the model", text)
    plain = write_report(hpo.optimize(lambda c: c["x"], space, "random", n_trials=5, seed=0),
                         str(tmp_path / "p.md"), plots=False)
    assert "noise" not in plain and "Cost guard" not in plain


def test_default_file_names_of_studies_in_other_scripts_stay_apart():
    from hpo.analysis.cli import _file_name

    names = ["研究", "実験", "svm α", "svm β", "mixed run"]
    stems = [_file_name(n) for n in names]
    assert len(set(stems)) == len(names) and stems[-1] == "mixed_run"
    assert all("/" not in s and s for s in stems + [_file_name("../x"), _file_name("///")])


def test_top_must_be_a_positive_int(tmp_path):
    # top=0 listed every trial; plot_importance(top=0) failed in numpy naming neither top nor the function
    from hpo.analysis import importance, plot_importance

    result = hpo.optimize(lambda c: c["x"], Space(x=Float(0, 1), y=Float(0, 1)), "random", n_trials=10, seed=0)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match=f"top must be a positive int, got {bad!r}"):
            write_report(result, str(tmp_path / "r.md"), top=bad, plots=False)
        with pytest.raises(ValueError, match=f"top must be a positive int or None, got {bad!r}"):
            plot_importance(importance(result), top=bad)  # (or None: every parameter)
