"""Statistical tests of sampling: distributions and conditional frequencies (fixed seeds).

Every test uses a fixed seed, so it is deterministic; the significance level
(ALPHA) is what a correct sampler would fail with by bad luck on a random seed.
Each distribution test is paired with a control that the same test must reject,
so that the test is shown to be able to fail.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hpo import Categorical, Float, Int, Space, at_least, at_most, greater_than, less_than, one_of, ref

ALPHA = 1e-3
N = 20_000


def _binomial_ok(count: int, n: int, p: float, z: float = 4.0) -> bool:
    """Whether ``count`` successes in ``n`` trials is within ``z`` standard deviations of ``n p``."""
    return abs(count - n * p) <= z * math.sqrt(n * p * (1 - p))


# ------------------------------------------------------------------ floats
@pytest.mark.parametrize("low, high", [(1e-6, 1e-1), (1e-3, 1e3), (0.5, 2.0), (1.0, 1e12)])
def test_log_floats_are_uniform_on_the_log_scale(low, high):
    space = Space(x=Float(low, high, log=True))
    x = np.array([c["x"] for c in space.sample(N, seed=11)])
    assert x.min() >= low and x.max() <= high
    a, b = math.log(low), math.log(high)
    result = stats.kstest(np.log(x), "uniform", args=(a, b - a))
    assert result.pvalue > ALPHA, result
    # control: on the linear scale the same samples are far from uniform
    # (except for a narrow range where the two scales barely differ)
    if high / low > 10:
        assert stats.kstest(x, "uniform", args=(low, high - low)).pvalue < ALPHA


def test_the_log_uniform_test_rejects_linear_samples():
    space = Space(x=Float(1e-3, 1.0))
    x = np.array([c["x"] for c in space.sample(N, seed=12)])
    a, b = math.log(1e-3), math.log(1.0)
    assert stats.kstest(np.log(x), "uniform", args=(a, b - a)).pvalue < ALPHA


def test_linear_floats_are_uniform():
    space = Space(x=Float(-2.0, 3.0))
    x = np.array([c["x"] for c in space.sample(N, seed=13)])
    assert stats.kstest(x, "uniform", args=(-2.0, 5.0)).pvalue > ALPHA


# -------------------------------------------------------------------- ints
def _log_int_probabilities(low: int, high: int) -> np.ndarray:
    """Log-uniform over the integers: k takes the mass of [k - 1/2, k + 1/2] on the log scale."""
    k = np.arange(low, high + 1)
    return np.log((k + 0.5) / (k - 0.5)) / math.log((high + 0.5) / (low - 0.5))


@pytest.mark.parametrize("low, high", [(1, 64), (8, 512), (2, 9)])
def test_log_ints_reach_both_ends_and_are_log_uniform(low, high):
    space = Space(k=Int(low, high, log=True))
    k = np.array([c["k"] for c in space.sample(50_000, seed=14)])
    assert k.min() == low and k.max() == high  # both ends reached
    counts = np.bincount(k - low, minlength=high - low + 1)
    expected = _log_int_probabilities(low, high) * len(k)
    assert stats.chisquare(counts, expected).pvalue > ALPHA
    # control: the same counts are far from uniform over the integers
    uniform = np.full(high - low + 1, len(k) / (high - low + 1))
    assert stats.chisquare(counts, uniform).pvalue < ALPHA
    # and roughly log-uniform: each factor-of-2 band gets about the same share
    if low >= 8:  # (near 1 the half-integer bin edges weigh in: k = 1 holds [0.5, 1.5])
        bands = np.floor(np.log2(k / low)).astype(int)
        full = int(math.floor(math.log2(high / low)))
        shares = np.bincount(bands, minlength=full + 1)[:full] / len(k)
        assert shares.max() / shares.min() < 1.25


def test_log_int_ends_are_reachable_in_the_encoding():
    space = Space(k=Int(8, 512, log=True))
    assert space.decode([[0.0]]) == [{"k": 8}]
    assert space.decode([[1.0]]) == [{"k": 512}]
    # the end bins have the width the log-uniform law gives them
    p = _log_int_probabilities(8, 512)
    assert space.decode([[p[0] * 0.999]]) == [{"k": 8}]
    assert space.decode([[p[0] * 1.001]]) == [{"k": 9}]


def test_linear_ints_are_uniform_with_both_ends():
    space = Space(k=Int(-3, 12))
    k = np.array([c["k"] for c in space.sample(N, seed=15)])
    assert k.min() == -3 and k.max() == 12
    counts = np.bincount(k + 3, minlength=16)
    assert stats.chisquare(counts).pvalue > ALPHA


def test_categoricals_are_uniform_and_keep_true_apart_from_one():
    choices = [1, True, 0, False, None, "a", (1,)]
    space = Space(c=Categorical(choices))
    from .strategies_for_spaces import typed_key

    keys = [typed_key(c["c"]) for c in space.sample(N, seed=16)]
    counts = np.array([keys.count(typed_key(v)) for v in choices])
    assert counts.sum() == N
    assert stats.chisquare(counts).pvalue > ALPHA


# ------------------------------------------------------ conditional frequency
def test_mlp_layer_sizes_appear_with_the_right_frequency(mlp_space):
    configs = mlp_space.sample(N, seed=17)
    n_layers = np.array([c["n_layers"] for c in configs])
    assert stats.chisquare(np.bincount(n_layers - 1, minlength=4)).pvalue > ALPHA
    for name, p in [("units_0", 1.0), ("units_1", 0.75), ("units_2", 0.5), ("units_3", 0.25),
                    ("momentum", 0.5), ("activation", 1.0)]:
        count = sum(name in c for c in configs)
        if p == 1.0:
            assert count == N, name
        else:
            assert _binomial_ok(count, N, p), (name, count / N, p)


def test_the_binomial_check_can_fail(mlp_space):
    configs = mlp_space.sample(N, seed=17)
    count = sum("units_2" in c for c in configs)
    assert not _binomial_ok(count, N, 0.45)  # a 5% error would be caught
    assert not _binomial_ok(count, N, 0.55)


@pytest.mark.parametrize(
    "predicate, p",
    [
        (at_least(7), 0.3),
        (at_most(2), 0.3),
        (greater_than(6), 0.3),
        (less_than(3), 0.3),
        (one_of(1, 2, 5), 0.3),
        (4, 0.1),
        (greater_than(1.5), 0.8),
    ],
)
def test_conditional_child_frequency_for_every_predicate(predicate, p):
    space = Space(k=Int(0, 9), child=Float(0.0, 1.0).when(k=predicate))
    count = sum("child" in c for c in space.sample(N, seed=18))
    assert _binomial_ok(count, N, p), (predicate, count / N, p)


def test_frequency_through_a_chain_and_several_keywords():
    space = Space(
        opt=Categorical(["adam", "sgd", "rmsprop", "adagrad"]),
        lr=Float(1e-5, 1e-1, log=True),
        momentum=Float(0.0, 1.0).when(opt=one_of("sgd", "rmsprop")),  # 1/2
        nesterov=Categorical([True, False]).when(momentum=greater_than(0.8)),  # 1/2 * 1/5
        # two keywords: sgd or rmsprop (1/2) and lr at most 1e-3 (half the log range: 1/2)
        decay=Float(0.0, 1.0).when(momentum=at_least(0.0), lr=at_most(1e-3)),
    )
    configs = space.sample(N, seed=19)
    assert _binomial_ok(sum("momentum" in c for c in configs), N, 0.5)
    assert _binomial_ok(sum("nesterov" in c for c in configs), N, 0.1)
    assert _binomial_ok(sum("decay" in c for c in configs), N, 0.25)
    for c in configs:  # and the frequency comes from the right rows
        assert ("decay" in c) == ("momentum" in c and c["lr"] <= 1e-3)


def test_dependent_ranges_are_uniform_within_their_row():
    # x is uniform in [0, a] for each a: x / a is uniform on [0, 1]
    space = Space(a=Float(1.0, 5.0), x=Float(0.0, ref("a")), y=Float(1e-3, ref("a"), log=True))
    configs = space.sample(N, seed=20)
    ratio = np.array([c["x"] / c["a"] for c in configs])
    assert stats.kstest(ratio, "uniform").pvalue > ALPHA
    rel = np.array([math.log(c["y"] / 1e-3) / math.log(c["a"] / 1e-3) for c in configs])
    assert stats.kstest(rel, "uniform").pvalue > ALPHA
    # while x alone is not uniform over its whole static range [0, 5]
    assert stats.kstest([c["x"] for c in configs], "uniform", args=(0.0, 5.0)).pvalue < ALPHA


def test_encoded_samples_are_uniform_in_each_column():
    space = Space(a=Float(1e-4, 1.0, log=True), b=Float(-1.0, 1.0), c=Int(1, 1000, log=True), d=Categorical(list("abcde")))
    U = space.encode(space.sample(N, seed=21))
    assert stats.kstest(U[:, 0], "uniform").pvalue > ALPHA
    assert stats.kstest(U[:, 1], "uniform").pvalue > ALPHA
    # ints and categoricals sit at their bin centres; their bins are equally likely in u
    assert stats.chisquare(np.unique(U[:, 3], return_counts=True)[1]).pvalue > ALPHA
    a, b = math.log(0.5), math.log(1000.5)
    assert U[:, 2].min() == pytest.approx((0.5 * (math.log(0.5) + math.log(1.5)) - a) / (b - a))  # k = 1
    assert U[:, 2].max() == pytest.approx((0.5 * (math.log(999.5) + math.log(1000.5)) - a) / (b - a))  # k = 1000
