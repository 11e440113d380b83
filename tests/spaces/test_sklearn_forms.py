"""scikit-learn's ways of writing a space (lists, scipy.stats distributions) read by Space, Tuner and optimize."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import hpo
from hpo import Categorical, Float, Int, Space


def test_a_list_a_range_and_an_array_are_categorical():
    space = Space(solver=["adam", "sgd"], depth=range(1, 4), alpha=np.array([0.1, 1.0]), units=[None, 8])
    assert space["solver"] == Categorical(["adam", "sgd"])
    assert space["depth"] == Categorical([1, 2, 3])
    assert space["alpha"] == Categorical([0.1, 1.0])
    assert all(type(c["alpha"]) is float for c in space.grid())  # numpy scalars come out as Python floats
    assert space["units"] == Categorical([None, 8])
    assert len(list(space.grid())) == 2 * 3 * 2 * 2


def test_lists_take_conditions_only_as_dimensions():
    space = Space(kernel=["linear", "rbf"], gamma=Float(1e-4, 1.0, log=True).when(kernel="rbf"))
    assert {("gamma" in c) for c in space.grid(resolution=2) if c["kernel"] == "linear"} == {False}


@pytest.mark.parametrize("value, error, message", [
    ((1, 10), TypeError, r"^C: a tuple \(1, 10\) is ambiguous .*Categorical.*Float\(low, high\)"),
    (np.ones((3, 2)), ValueError, r"^C: an array of choices must be 1-d, got shape \(3, 2\)"),
    ([], ValueError, r"^C = Categorical\(\[\]\): Categorical needs at least one choice"),
    ([1, 1, 2], ValueError, r"^C = .*choice 1 is given twice"),
    ([[10], [20]], ValueError, r"^C = .*choice \[10\] is not hashable"),
    (3, TypeError, r"^C: expected a Float, Int or Categorical \(or a list of choices\), got 3$"),
    ("abc", TypeError, r"^C: expected a Float, Int or Categorical"),
])
def test_what_is_not_a_list_of_choices_is_an_error_naming_the_parameter(value, error, message):
    with pytest.raises(error, match=message):
        Space(C=value)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(1e-8, 1e3), decades=st.floats(0.5, 8), seed=st.integers(0, 2**16))
def test_loguniform_is_a_log_float_with_scipys_distribution(a, decades, seed):
    b = a * 10**decades
    dist = stats.loguniform(a, b)
    assert Space(x=dist)["x"] == Float(a, b, log=True)
    values = np.array([c["x"] for c in Space(x=dist).sample(400, seed=seed)])
    assert np.all((values >= a) & (values <= b))
    # the same distribution as scipy's: a third of the draws below its first tercile (4.5 sd of a binomial)
    share = np.mean(values <= dist.ppf(1 / 3))
    assert abs(share - 1 / 3) < 4.5 * np.sqrt(2 / 9 / 400)


@settings(max_examples=40, deadline=None)
@given(loc=st.floats(-1e3, 1e3), scale=st.floats(1e-3, 1e3))
def test_uniform_is_a_float_over_loc_to_loc_plus_scale(loc, scale):
    assert Space(x=stats.uniform(loc, scale))["x"] == Float(loc, loc + scale)
    assert Space(x=stats.uniform(loc=loc, scale=scale))["x"] == Float(loc, loc + scale)


@settings(max_examples=40, deadline=None)
@given(low=st.integers(-1000, 1000), width=st.integers(2, 5000), loc=st.integers(-10, 10))
def test_randint_is_an_int_with_scipys_exclusive_high(low, width, loc):
    dim = Space(x=stats.randint(low, low + width, loc=loc))["x"]
    assert dim == Int(low + loc, low + width - 1 + loc)
    assert stats.randint(low, low + width, loc=loc).support() == (dim.low, dim.high)


def test_a_one_value_distribution_is_a_one_choice_categorical_as_scikit_learn_samples_it():
    space = Space(leaf=stats.randint(1, 2), scale=stats.uniform(3, 0), kw=stats.uniform(loc=0.5, scale=0))
    assert space["leaf"] == Categorical([1]) and space["scale"] == Categorical([3.0]) and space["kw"] == Categorical([0.5])
    assert stats.randint(1, 2).rvs(random_state=0) == 1 and stats.uniform(3, 0).rvs(random_state=0) == 3.0
    assert type(space.sample(1, seed=0)[0]["leaf"]) is int
    with pytest.raises(ValueError, match=r"^x: scipy.stats.uniform with the parameters \(0, -1\) is no valid"):
        Space(x=stats.uniform(0, -1))


def test_a_discrete_distribution_uniform_over_its_support_is_an_int():
    assert Space(x=stats.bernoulli(0.5))["x"] == Int(0, 1)
    with pytest.raises(TypeError, match=r"^x: scipy.stats.bernoulli is not a range .*Int\(0, 1\)"):
        Space(x=stats.bernoulli(0.3))  # the chances differ: not what Int(0, 1) samples


@pytest.mark.parametrize("dist, covered", [
    (stats.expon(scale=100), 0.998),  # scikit-learn's own example for SVC's C
    (stats.norm(0, 1), 0.998),
    (stats.lognorm(1.0), 0.998),
    (stats.beta(2, 3), 1.0),
    (stats.poisson(3), 0.998),
])
def test_other_distributions_are_refused_with_a_dimension_that_covers_them(dist, covered):
    with pytest.raises(TypeError, match=rf"^C: scipy.stats.{dist.dist.name} is not a range hpo can search") as info:
        Space(C=dist)
    suggestion = re.search(r"(Float|Int)\(([-\d.e+]+), ([-\d.e+]+)(, log=True)?\)", str(info.value))
    kind, low, high, log = suggestion.groups()
    dim = Space(C=(Float if kind == "Float" else Int)(float(low) if kind == "Float" else int(low),
                                                       float(high) if kind == "Float" else int(high),
                                                       log=bool(log)))["C"]
    assert dist.cdf(dim.high) - dist.cdf(dim.low - (kind == "Int")) >= covered - 0.002


def test_a_search_written_for_randomized_search_cv_runs_as_written():
    X, y = load_iris(return_X_y=True)
    sklearn_style = {"C": stats.loguniform(1e-2, 1e2), "fit_intercept": [True, False]}
    hpo_style = Space(C=Float(1e-2, 1e2, log=True), fit_intercept=Categorical([True, False]))
    runs = [hpo.Tuner(LogisticRegression(max_iter=500), space, "random", n_trials=6, validation=3,
                      random_state=0).fit(X, y) for space in (sklearn_style, hpo_style)]
    assert runs[0].cv_results_["params"] == runs[1].cv_results_["params"]
    assert runs[0].best_params_ == runs[1].best_params_


def test_a_refused_distribution_stops_the_tuner_before_any_fit():
    X, y = load_iris(return_X_y=True)
    fitted = []

    class Recording(DecisionTreeClassifier):
        def fit(self, X, y, **kw):
            fitted.append(1)
            return super().fit(X, y, **kw)

    with pytest.raises(TypeError, match=r"^max_depth: scipy.stats.geom"):
        hpo.Tuner(Recording(), {"max_depth": stats.geom(0.2)}, n_trials=3).fit(X, y)
    assert fitted == []


def test_optimize_reads_the_same_forms():
    result = hpo.optimize(lambda c: (c["x"] - 3) ** 2 + c["k"], {"x": stats.randint(0, 7), "k": [0, 1]},
                          "grid", n_trials=None)
    assert len(result) == 14 and result.best_config == {"x": 3, "k": 0}


@pytest.mark.parametrize("make", [lambda s: Space(s), lambda s: hpo.Tuner(LogisticRegression(), s).fit([[0]] * 4, [0, 1] * 2),
                                  lambda s: hpo.optimize(lambda c: 0.0, s)])
def test_a_list_of_grids_is_refused_with_the_way_to_write_it(make):
    grids = [{"kernel": ["linear"], "C": [1, 10]}, {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 1.0]}]
    with pytest.raises(TypeError, match=r"got list: scikit-learn's list of several grids is one Space here.*\.when\("):
        make(grids)
