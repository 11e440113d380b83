"""The option-constraint table: what each constraint accepts and how a refusal reads."""

import math

import pytest

from hpo._constraints import Interval, Options, Satisfies, accepts, check_options

TABLE = {
    "n_trials": [Interval(int, 1), None],
    "timeout": [Interval(float, 0, closed="neither", unit="seconds"), None],
    "sampler": [Options({"random", "sobol"})],
    "eta": [Interval(float, 1, closed="neither")],
    "folds": [Interval(int, 2)],
    "n_candidates": [Interval(int, 1), Options({"exhaust"})],
    "verbose": [Interval(int, 0)],
    "fraction": [Interval(float, 0, 1, closed="right")],
    "callback": [Satisfies(callable, "callable"), None],
}


@pytest.mark.parametrize("name, value, message", [
    ("n_trials", 0, "n_trials must be a positive int or None, got 0"),
    ("n_trials", True, "n_trials must be a positive int or None, got True"),
    ("n_trials", 2.0, "n_trials must be a positive int or None, got 2.0"),
    ("timeout", 0, "timeout must be a positive number of seconds or None, got 0"),
    ("timeout", math.nan, "timeout must be a positive number of seconds or None, got nan"),
    ("sampler", "grid", "sampler must be one of 'random', 'sobol', got 'grid'"),
    ("eta", 1, "eta must be a number > 1, got 1"),
    ("folds", 1, "folds must be an int >= 2, got 1"),
    ("n_candidates", "all", "n_candidates must be a positive int or 'exhaust', got 'all'"),
    ("verbose", -1, "verbose must be a non-negative int, got -1"),
    ("fraction", 0.0, "fraction must be a number in (0, 1], got 0.0"),
    ("callback", 3, "callback must be callable or None, got 3"),
])
def test_refusal_names_the_option_what_it_accepts_and_the_value(name, value, message):
    with pytest.raises(ValueError) as info:
        check_options(TABLE, **{name: value})
    assert str(info.value) == message


@pytest.mark.parametrize("name, value", [
    ("n_trials", 1), ("n_trials", None), ("timeout", 0.5), ("sampler", "sobol"), ("eta", 3),
    ("folds", 2), ("n_candidates", "exhaust"), ("n_candidates", 7), ("verbose", 0), ("fraction", 1.0),
    ("callback", print), ("callback", None),
])
def test_accepted_values_pass(name, value):
    check_options(TABLE, **{name: value})
    assert accepts(TABLE[name], value)


def test_an_undeclared_option_is_a_programming_error():
    with pytest.raises(KeyError):
        check_options(TABLE, undeclared=1)


def test_bools_never_stand_for_numbers_or_options():
    assert not accepts([Options({0, 1})], True)
    assert accepts([bool], True) and not accepts([int], True)
