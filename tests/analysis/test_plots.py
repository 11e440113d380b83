"""Every plot renders to a valid, non-blank PNG (Agg, no pyplot); the extra is named when matplotlib is missing."""

from __future__ import annotations

import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import hpo  # noqa: E402
from hpo import Categorical, Float, Space  # noqa: E402
from hpo.analysis import (  # noqa: E402
    importance,
    plot_budgets,
    plot_convergence,
    plot_importance,
    plot_parallel_coordinates,
    plot_ranges,
    plot_slices,
    ranges_from_result,
    save_plots,
)

from .conftest import assert_png, mixed_objective, mixed_space  # noqa: E402


def _save(fig, tmp_path, name: str):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    assert_png(path)
    return path


def test_convergence_of_one_search(mixed_result, tmp_path):
    fig = plot_convergence(mixed_result)
    ax = fig.axes[0]
    best = ax.lines[0].get_ydata()
    assert np.all(np.diff(best[~np.isnan(best)]) <= 0)  # best so far of a minimization never rises
    assert best[-1] == pytest.approx(mixed_result.best_value)
    _save(fig, tmp_path, "convergence")


def test_convergence_of_several_seeds_is_a_median_and_a_band(tmp_path):
    space = mixed_space()
    random = [hpo.optimize(mixed_objective, space, n_trials=25, seed=s) for s in range(3)]
    sobol = [hpo.optimize(mixed_objective, space, "sobol", n_trials=20, seed=s) for s in range(3)]
    fig = plot_convergence({"random": random, "sobol": sobol}, log=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["random (median of 3)", "sobol (median of 3)"]
    assert len(ax.collections) == 2  # the bands
    finals = sorted(r.best_value for r in random)
    assert ax.lines[0].get_ydata()[-1] == pytest.approx(finals[1])  # the median of the three
    _save(fig, tmp_path, "convergence_seeds")
    _save(plot_convergence(random, label="random"), tmp_path, "convergence_list")


def test_importance_bars(mixed_result, tmp_path):
    table = importance(mixed_result)
    fig = plot_importance(table, top=3)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 3 and labels[0] == "lr"
    _save(fig, tmp_path, "importance")


def test_slices_use_log_axes_and_categories(mixed_result, tmp_path):
    fig = plot_slices(mixed_result)
    axes = {ax.get_title().split(" ")[0]: ax for ax in fig.axes if ax.get_visible() and ax.get_title()}
    assert axes["lr"].get_xscale() == "log" and axes["n"].get_xscale() == "log"
    assert axes["noise"].get_xscale() == "linear"
    assert [t.get_text() for t in axes["kind"].get_xticklabels()] == ["a", "b", "c"]
    assert "active in" in axes["x"].get_title()  # x is conditional
    _save(fig, tmp_path, "slices")
    with pytest.raises(KeyError, match="unknown parameter"):
        plot_slices(mixed_result, ["nope"])


def test_parallel_coordinates_with_inactive_values(mixed_result, tmp_path):
    fig = plot_parallel_coordinates(mixed_result)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "inactive" in texts and "a" in texts and "1e-05" in texts
    _save(fig, tmp_path, "parallel")
    _save(plot_parallel_coordinates(mixed_result, ["lr", "kind"], top=0.3), tmp_path, "parallel_top")


def test_ranges_per_round_from_a_list_and_from_the_strategy(tmp_path):
    space = Space(lr=Float(1e-5, 1e-1, log=True), kind=Categorical(["a", "b", "c"]))
    ranges = [
        {"lr": (1e-5, 1e-1), "kind": ["a", "b", "c"]},
        {"lr": (1e-4, 1e-2), "kind": ["a", "c"]},
        {"lr": (5e-4, 3e-3), "kind": ["a"]},
    ]
    fig = plot_ranges(ranges, space)
    lr_ax = next(ax for ax in fig.axes if ax.get_title() == "lr")
    assert lr_ax.get_yscale() == "log"
    _save(fig, tmp_path, "ranges_list")
    _save(plot_ranges(ranges), tmp_path, "ranges_no_space")  # log guessed from the span

    from hpo.strategies import available_strategies

    if "coarse_to_fine" not in available_strategies():
        pytest.skip("the coarse_to_fine strategy is not available")
    from hpo.strategies import get_strategy_class

    strategy = get_strategy_class("coarse_to_fine")(mixed_space(), seed=0, n_trials=40)
    result = hpo.optimize(mixed_objective, mixed_space(), strategy, n_trials=40)
    _save(plot_ranges(strategy, result=result), tmp_path, "ranges_strategy")
    spans = ranges_from_result(result)
    assert len(spans) == len(strategy.ranges_)
    for span, box in zip(spans, strategy.ranges_):  # what was sampled lies inside each round's box
        lo, hi = span["lr"]
        assert box["lr"][0] <= lo <= hi <= box["lr"][1]


def test_budgets_per_candidate(multifidelity_result, tmp_path):
    fig = plot_budgets(multifidelity_result)
    ax = fig.axes[0]
    assert len(ax.lines) == 18  # one line per configuration
    coloured = [line for line in ax.lines if line.get_label().startswith("trial ")]
    assert len(coloured) == 2 and all(len(line.get_xdata()) == 3 for line in coloured)  # budgets 1, 3, 9
    _save(fig, tmp_path, "budgets")
    with pytest.raises(ValueError, match="not a multi-fidelity search"):
        plot_budgets(hpo.optimize(lambda c: c["x"], Space(x=Float(0, 1)), n_trials=5, seed=0))


def test_plots_draw_into_given_axes(mixed_result, tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2)
    assert plot_convergence(mixed_result, ax=left) is fig
    assert plot_importance(importance(mixed_result), ax=right) is fig
    _save(fig, tmp_path, "composed")


def test_save_plots_writes_what_applies(multifidelity_result, tmp_path):
    plain = hpo.optimize(lambda c: c["x"] ** 2 + c["y"], Space(x=Float(-1, 1), y=Float(0, 1)), n_trials=12, seed=0)
    files = save_plots(plain, str(tmp_path / "plain"), dpi=50)
    assert set(files.paths) == {"convergence", "importance", "slices", "parallel_coordinates", "contour"}
    assert set(files.skipped) == {"budgets", "ranges"}
    for path in files.paths.values():
        assert_png(path)
    files = save_plots(multifidelity_result, str(tmp_path / "mf"), prefix="mf_", dpi=50)
    assert "budgets" in files.paths and files.paths["budgets"].endswith("mf_budgets.png")
    assert "importance" in files.paths  # from the 18 trials at budget 1 (budget="auto"), not the top 2
    for path in files.paths.values():
        assert_png(path)


def test_a_fitted_tuner_is_plotted_as_validation_scores(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=8,
                      random_state=0).fit(X, y)
    fig = plot_convergence(tuner)
    assert fig.axes[0].get_ylabel() == "best validation score"
    assert fig.axes[0].lines[0].get_ydata()[-1] == pytest.approx(tuner.best_score_)
    _save(fig, tmp_path, "tuner")


def test_missing_matplotlib_names_the_extra(monkeypatch, mixed_result, tmp_path):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    for call in (lambda: plot_convergence(mixed_result), lambda: plot_slices(mixed_result),
                 lambda: save_plots(mixed_result, str(tmp_path))):
        with pytest.raises(ImportError, match=r'pip install "hpo\[plot\]"'):
            call()
    assert not any(tmp_path.iterdir())  # nothing written


def _tick_texts(fig) -> list:
    fig.canvas.draw()
    return [t.get_text() for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)
            for t in axis.get_ticklabels() + axis.get_ticklabels(minor=True) if t.get_text()]


def test_slices_have_a_colour_bar_for_the_trial_number(mixed_result):
    fig = plot_slices(mixed_result)
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "trial number"]
    assert len(bars) == 1
    lo, hi = bars[0].get_ylim()
    assert lo <= min(t.number for t in mixed_result.trials) and hi >= max(t.number for t in mixed_result.trials)


def test_parallel_coordinates_name_the_value_axis_by_its_metric(mixed_result):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    fig = plot_parallel_coordinates(mixed_result)
    assert fig.axes[0].get_xticklabels()[-1].get_text() == "loss"
    X, y = load_iris(return_X_y=True)
    tuner = hpo.Tuner(DecisionTreeClassifier(random_state=0), Space(max_depth=hpo.Int(1, 6)), n_trials=6,
                      scoring="accuracy", random_state=0).fit(X, y)
    fig = plot_parallel_coordinates(tuner)
    assert fig.axes[0].get_xticklabels()[-1].get_text() == "accuracy"
    assert fig.axes[1].get_ylabel() == "validation accuracy"  # the colour bar
    value_labels = [t for t in fig.axes[0].texts if t.get_position()[0] > 0.9]  # on the last axis
    assert len(value_labels) >= 2 and all(t.get_bbox_patch() is not None for t in value_labels)  # readable


def test_log_axes_have_plain_labels(mixed_result, multifidelity_result):
    fig = plot_budgets(multifidelity_result)
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "3", "9"]  # the rungs, no 10^0
    space = Space(lr=Float(0.3, 0.9, log=True))
    labels = _tick_texts(plot_ranges([{"lr": (0.3, 0.9)}, {"lr": (0.4, 0.7)}], space))
    assert labels and not any("$" in t or "times" in t or "^" in t for t in labels), labels
    assert "0.5" in labels
    labels = _tick_texts(plot_slices(mixed_result, ["lr"]))
    assert "0.001" in labels and not any("$" in t for t in labels), labels


def test_contour_of_the_two_most_important_parameters(mixed_result, tmp_path):
    from hpo.analysis import plot_contour

    table = importance(mixed_result, budget="max")
    fig = plot_contour(mixed_result)
    ax = fig.axes[0]
    assert ax.get_xlabel().split(" ")[0] == table.names[0] and ax.get_ylabel().split(" ")[0] == table.names[1]
    assert fig.axes[1].get_ylabel() == "objective value"  # the colour bar names the value
    _save(fig, tmp_path, "contour")
    fig = plot_contour(mixed_result, ["lr", "noise"])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "lr (log scale)" and ax.get_ylabel() == "noise"
    assert ax.collections  # the filled contour and the trials
    assert "0.001" in [t.get_text() for t in ax.get_xticklabels()]  # round values on the log scale
    with pytest.raises(ValueError, match="two different parameters"):
        plot_contour(mixed_result, ["lr", "lr"])
    with pytest.raises(KeyError, match="unknown parameter"):
        plot_contour(mixed_result, ["lr", "nope"])


def test_the_default_contour_pair_is_active_together_where_the_two_most_important_never_are(tmp_path):
    from hpo import Int
    from hpo.analysis import plot_contour, save_plots

    space = Space(model=Categorical(["svm", "tree"]), C=Float(1e-3, 1e3, log=True).when(model="svm"),
                  depth=Int(1, 30).when(model="tree"))

    def loss(c):  # both branches have the same mean loss: the model matters little, C and depth much
        return abs(np.log10(c["C"])) / 3 if c["model"] == "svm" else abs(c["depth"] - 15.5) / 14.5

    result = hpo.optimize(loss, space, "random", n_trials=40, seed=0)
    assert set(importance(result).names[:2]) == {"C", "depth"}  # two branches: never active together
    ax = plot_contour(result).axes[0]
    pair = {ax.get_xlabel().split(" ")[0], ax.get_ylabel().split(" ")[0]}
    assert pair in ({"C", "model"}, {"depth", "model"})
    assert "contour" in save_plots(result, str(tmp_path)).paths
    with pytest.raises(hpo.AllTrialsFailedError) as failed:
        hpo.optimize(lambda c: 1 / 0, space, "random", n_trials=3, seed=0)
    with pytest.raises(ValueError, match="nothing to plot: all 3 trials failed"):
        plot_contour(failed.value.result)


def test_edf_of_searches_and_of_numbers(tmp_path):
    from hpo.analysis import plot_edf

    space = mixed_space()
    random = [hpo.optimize(mixed_objective, space, n_trials=15, seed=s) for s in range(2)]
    sobol = [hpo.optimize(mixed_objective, space, "sobol", n_trials=15, seed=s) for s in range(2)]
    fig = plot_edf({"random": random, "sobol": sobol})
    ax = fig.axes[0]
    assert ax.get_xlabel() == "objective value" and ax.get_ylabel() == "share of values ≤ x"
    assert "better: further left" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random (30)", "sobol (30)"]
    steps = [line for line in ax.lines if line.get_linestyle() != "None"]
    assert len(steps) == 2 and all(line.get_ydata()[-1] == 1.0 for line in steps)
    assert steps[0].get_linestyle() != steps[1].get_linestyle()  # equal distributions stay visible
    _save(fig, tmp_path, "edf")
    fig = plot_edf({"a": [1.0, 2.0, 2.0, 4.0], "b": np.array([3.0])}, xlabel="score", higher_is_better=True)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "score" and "further right" in ax.get_title()
    assert list(ax.lines[0].get_ydata()) == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="no finite value"):
        plot_edf({"a": [float("nan")]})


def test_plots_of_values_at_the_ends_of_the_float_range_are_skipped_with_a_reason_not_a_crash(tmp_path):
    # matplotlib's tick layout raised from savefig ("arange: cannot compute length"): save_plots and the
    # report crashed and wrote nothing
    from hpo.analysis import save_plots

    result = hpo.optimize(lambda c: 1e308 if c["x"] > 0.5 else -1e308, Space(x=Float(0, 1), y=Float(0, 1)),
                          "random", n_trials=12, seed=0)
    files = save_plots(result, str(tmp_path))
    assert files.paths or files.skipped
    assert all(isinstance(why, str) and why for why in files.skipped.values())


def test_a_log_scale_of_values_at_or_below_zero_says_so():
    # matplotlib drew empty axes (a maximized negative log-loss on a log scale) with no error
    from hpo.analysis import plot_convergence, plot_edf

    negative = hpo.optimize(lambda c: -1 - c["x"], Space(x=Float(0, 1)), "random", n_trials=8, seed=0,
                            direction="maximize")
    with pytest.raises(ValueError, match="log=True needs values above 0; the values here run from -"):
        plot_convergence(negative, log=True)
    with pytest.warns(UserWarning, match="the values at or below 0 .* are left out"):
        plot_edf([0.0, 0.5, 1.0], log=True)


def test_the_budget_plot_lists_the_best_first_and_needs_two_budgets():
    from hpo.analysis import plot_budgets

    def objective(config, budget):
        return (config["x"] - 0.3) ** 2 + 1 / budget

    result = hpo.optimize(objective, Space(x=Float(0, 1)), "halving", n_trials=None, seed=0,
                          strategy_options={"min_budget": 1, "max_budget": 9})
    legend = plot_budgets(result).axes[0].get_legend()
    shown = [int(t.get_text().split()[1]) for t in legend.get_texts()]
    at_top = sorted((t for t in result.trials if t.budget == 9), key=lambda t: t.loss)
    assert shown == [t.number for t in at_top][: len(shown)]  # it listed them worst first
    one_budget = hpo.optimize(lambda c, trial: c["x"], Space(x=Float(0, 1)), "median", n_trials=6, seed=0,
                              strategy_options={"max_budget": 9})
    with pytest.raises(ValueError, match="every trial ran at one budget \\(9\\)"):
        plot_budgets(one_budget)


def test_convergence_of_a_search_where_everything_failed_says_why():
    def broken(config):
        raise RuntimeError("the data file is missing")

    with pytest.raises(hpo.AllTrialsFailedError) as info:
        hpo.optimize(broken, Space(x=Float(0, 1)), n_trials=3, seed=0, fail_fast=None)
    failed = info.value.result
    ok = hpo.optimize(lambda c: c["x"], Space(x=Float(0, 1)), n_trials=3, seed=0)
    # an empty figure before; contour and slices already raised
    with pytest.raises(ValueError, match="nothing to plot: all 3 trials failed; the first, trial 0, with "
                                         "RuntimeError: the data file is missing"):
        plot_convergence(failed)
    with pytest.raises(ValueError, match="nothing to plot for 'broken': none of its 2 searches has an ok trial"):
        plot_convergence({"broken": [failed, failed], "fine": [ok, ok]})
    assert plot_convergence([failed, ok]).axes[0].lines  # one failed seed among others is drawn
