"""What the benchmark report says and draws: the opening paragraph, numbers at one precision, the versions,
the regret figure, the ranges table and figure, and what `hpo bench report` prints."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hpo.benchmarking import RunTrace, build_report, register_contender, register_problem, run_benchmark, summarize
from hpo.benchmarking.contenders import Contender
from hpo.cli import main


class _Offset(Contender):
    """Loses ``offsets[problem]`` (default ``offset``) more than the optimum, whatever the seed."""

    def __init__(self, name, offset, offsets=None):
        self.name, self.offset, self.offsets = name, offset, offsets or {}

    def run(self, problem, n_trials, seed):
        off = self.offsets.get(problem.name, self.offset)
        losses = [(problem.optimum or 0.0) + off + 1.0 / (i + 1) for i in range(n_trials)]
        return RunTrace(losses, [None] * n_trials, [0.001] * n_trials, 0.1, {"x0": 0.0, "x1": 0.0})


register_contender("allround-test", lambda: _Offset("allround-test", 0.3))
register_contender("specialist-test", lambda: _Offset("specialist-test", 3.0, {"hartmann3": 0.0}))
register_contender("twin-a-test", lambda: _Offset("twin-a-test", 0.0))
register_contender("twin-b-test", lambda: _Offset("twin-b-test", 0.0))
register_contender("far-test", lambda: _Offset("far-test", 4.0))

THREE = ["branin", "hartmann3", "six_hump_camel"]


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    """allround-test wins on branin and six_hump_camel, loses hartmann3 to specialist-test; 3 seeds."""
    out = tmp_path_factory.mktemp("bench")
    run_benchmark(str(out), problems=THREE, strategies=["specialist-test", "allround-test"], n_trials=5,
                  seeds=3).close()
    return out


def test_the_report_opens_with_a_paragraph_naming_the_winner_where_it_lost_and_significance(bench_dir):
    text = build_report(str(bench_dir))
    lines = text.splitlines()
    assert lines[0].startswith("# hpo benchmark")
    opening = lines[2]
    assert opening.startswith("allround-test won over 9 (problem, seed) pairs of 3 problems")
    assert "runner-up, specialist-test" in opening
    assert "lost, on the median score over seeds, on 1 of 3 problems: hartmann3 (to specialist-test" in opening
    assert "significant" in opening


def test_the_winner_follows_the_numbers_not_the_order_of_the_contenders(tmp_path):
    run_benchmark(str(tmp_path), problems=["branin", "hartmann3"], strategies=["far-test", "twin-a-test"],
                  n_trials=4, seeds=4).close()
    from hpo.benchmarking.report import headline
    from hpo.benchmarking.store import RunStore

    with RunStore(str(tmp_path / "runs.db"), readonly=True) as store:
        text = headline(summarize(store))
    assert text.startswith("twin-a-test won over 8 (problem, seed) pairs")
    assert "No other strategy beat it on any problem" in text
    assert "significant against every other strategy" in text and "not significant" not in text


def test_too_few_pairs_are_said_to_be_not_significant(tmp_path):
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["far-test", "twin-a-test"], n_trials=4,
                  seeds=2).close()
    text = build_report(str(tmp_path))
    assert "not significant at the 5% level against far-test" in text
    assert "with 2 pairs, no Wilcoxon test can reach p < 0.05" in text


def test_numbers_at_one_precision_and_the_versions_as_a_table(bench_dir):
    text = build_report(str(bench_dir))
    assert "{'python'" not in text and "versions {" not in text
    assert "| package | version |" in text and re.search(r"\| numpy \| \d+\.\d+", text)
    summary = text.split("## Summary")[1].split("\n\n")[1].splitlines()[2:]
    for row in summary:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert re.fullmatch(r"\d+\.\d\d", cells[1]), row  # mean rank: 2 decimals
        assert re.fullmatch(r"-?\d+\.\d", cells[2]) and re.fullmatch(r"-?\d+\.\d", cells[3]), row  # scores: 1
        assert re.fullmatch(r"\d+\.\d{3}", cells[5]) and re.fullmatch(r"\d+\.\d{3}", cells[6]), row  # seconds: 3
        assert cells[4] in ("leader", "-", "< 0.001") or re.fullmatch(r"0\.0*[1-9]\d\d|1\.00", cells[4]), row
    branin = text.split("### branin")[1].split("###")[0]
    decimals = {len(m) for m in re.findall(r"-?\d+\.(\d+) \(", branin)}
    assert len(decimals) == 1  # every loss of a problem's table at the same number of decimals


def test_p_values_at_three_significant_digits_with_their_trailing_zeros():
    from hpo.benchmarking.report import _pvalue

    # 0.00740 beside 0.00739 in one column, not 0.0074
    assert [_pvalue(p) for p in (0.0074, 0.00739, 0.5, 1.0, 0.0009)] == ["0.00740", "0.00739", "0.500", "1.00", "< 0.001"]


def test_a_p_value_below_the_shown_precision_reads_as_one_relation_in_the_headline():
    from hpo.benchmarking.report import _p_is

    # "p ≤ < 0.001" and "p = < 0.001" read wrong: one relation, the one that holds
    assert [_p_is(0.0002, "≤"), _p_is(0.0002), _p_is(0.0074, "≤"), _p_is(0.03)] == [
        "p < 0.001", "p < 0.001", "p ≤ 0.00740", "p = 0.0300"]


def test_hpo_bench_report_prints_where_it_wrote_and_a_summary_not_the_markdown(bench_dir, capsys):
    assert main(["bench", "report", str(bench_dir)]) == 0
    out = capsys.readouterr().out
    assert f"report: {bench_dir}/report.md" in out
    assert "allround-test won over 9 (problem, seed) pairs" in out
    assert "##" not in out and "|---" not in out and "![" not in out
    assert len(out.splitlines()) < 15


def test_the_convergence_figure_shows_regret_on_log_axes_with_visible_ties_and_one_legend():
    pytest.importorskip("matplotlib")
    import numpy as np

    from hpo.benchmarking.report import Summary, convergence_figure

    tie = np.array([[0.6, 0.2, 0.11, 0.1]])  # both strategies: the same curve, ending at the best found
    s = Summary(n_trials=4, problems=["p", "q"], contenders=["a", "b"], kinds={"p": "synthetic", "q": "sklearn"},
                curves={("p", "a"): tie + 1, ("p", "b"): tie + 1, ("q", "a"): tie, ("q", "b"): tie},
                seeds={}, reference={"p": 3.0, "q": 0.7}, target={"p": 1.0, "q": 0.1},
                known_optimum={"p": True, "q": False}, test_losses={}, wall={}, overhead={})
    fig = convergence_figure(s, ["p", "q"])
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(panels) == 2
    for ax in panels:
        assert ax.get_yscale() == "log" and ax.get_ylabel().startswith("regret")
        assert ax.get_legend() is None
        a, b = [line for line in ax.get_lines() if line.get_label() in ("a", "b")]
        assert list(a.get_ydata()) == list(b.get_ydata())  # a tie...
        assert (a.get_linestyle(), a.get_marker()) != (b.get_linestyle(), b.get_marker())  # ...both visible
        assert a.get_ydata()[-1] > 0 and a.get_ydata()[-1] < a.get_ydata()[-2]  # zero regret drawn on the floor
    assert "optimum" in panels[0].get_ylabel() and "best found" in panels[1].get_ylabel()
    assert len(fig.legends) == 1
    assert {t.get_text() for t in fig.legends[0].get_texts()} >= {"a", "b"}


def test_the_ranges_table_has_no_middle_round_when_there_is_none():
    from hpo.benchmarking.report import Summary, ranges_table

    s = Summary(n_trials=1, problems=["p", "q"], contenders=["c"], kinds={}, curves={}, seeds={}, reference={},
                target={}, known_optimum={}, test_losses={}, wall={}, overhead={},
                box_sides={("p", "c"): [[1.0, 0.5, 0.25]], ("q", "c"): [[1.0, 0.8, 0.4, 0.2, 0.1]]})
    rows = ranges_table(s).splitlines()[2:]
    assert rows[0] == "| p | c | 3 | 0.500 | – | 0.250 (round 2) |"
    assert rows[1] == "| q | c | 5 | 0.800 | 0.400 (round 2) | 0.100 (round 4) |"


def test_the_ranges_figure_has_integer_rounds_and_plain_labels():
    pytest.importorskip("matplotlib")
    from hpo.benchmarking.report import Summary, ranges_figure

    s = Summary(n_trials=1, problems=["p"], contenders=["c"], kinds={}, curves={}, seeds={}, reference={},
                target={}, known_optimum={}, test_losses={}, wall={}, overhead={},
                box_sides={("p", "c"): [[1.0, 0.62, 0.55]]})
    fig = ranges_figure(s)
    fig.canvas.draw()
    ax = fig.axes[0]
    xticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert xticks and all(float(t).is_integer() for t in xticks)
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True) if t.get_text()]
    assert labels and not any("times" in t or "^" in t or "$" in t for t in labels), labels
    assert "0.6" in labels or "0.5" in labels


def test_the_report_has_an_edf_of_the_final_scores(bench_dir):
    pytest.importorskip("matplotlib")
    from hpo.benchmarking.report import edf_figure
    from hpo.benchmarking.store import RunStore

    text = build_report(str(bench_dir))
    assert "![empirical distribution of the final scores per strategy](edf.png)" in text
    assert (bench_dir / "edf.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with RunStore(str(bench_dir / "runs.db"), readonly=True) as store:
        fig = edf_figure(summarize(store))
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("final score") and "further right" in ax.get_title()
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["allround-test (9)", "specialist-test (9)"]


class _NothingOnOddSeeds(Contender):
    """Finds the optimum on even seeds; on odd ones every trial fails (no result at all)."""

    def __init__(self, name):
        self.name = name

    def run(self, problem, n_trials, seed):
        losses = [0.3979] * n_trials if seed % 2 == 0 else [None] * n_trials
        return RunTrace(losses, [None] * n_trials, [0.001] * n_trials, 0.1, None)


register_contender("nothing-on-odd-test", lambda: _NothingOnOddSeeds("nothing-on-odd-test"))


def test_a_run_that_found_nothing_loses_its_pair_in_ranks_scores_and_tests(tmp_path):
    with run_benchmark(str(tmp_path), problems=["branin"], strategies=["nothing-on-odd-test", "far-test"],
                       n_trials=5, seeds=4) as store:
        s = summarize(store)
    pairs, scores = s.paired()
    assert len(pairs) == 4 and not (scores != scores).any()  # no pair dropped, no NaN
    odd = [i for i, (_, seed) in enumerate(pairs) if seed % 2]
    j, k = s.contenders.index("nothing-on-odd-test"), s.contenders.index("far-test")
    assert all(scores[i, j] < scores[i, k] and scores[i, j] <= 0 for i in odd)
    assert s.mean_ranks()["nothing-on-odd-test"] == 1.5  # wins the even seeds, last on the odd ones
    text = build_report(str(tmp_path))  # the report said nothing of the failures
    assert "## Failed trials" in text and "nothing-on-odd-test 10 of 20" in text and "far-test" not in (
        text.split("## Failed trials")[1].split("\n\n")[1].split("Runs in which")[0])
    assert "nothing-on-odd-test on branin, seed 1; nothing-on-odd-test on branin, seed 3" in text


def test_a_strategy_whose_every_trial_fails_is_a_run_without_result_not_an_error(tmp_path):
    from hpo.benchmarking.contenders import StrategyContender
    from hpo.benchmarking.problem import Problem
    from hpo import Float, Space

    def broken(config, budget=None):
        raise ValueError("diverged")

    trace = StrategyContender("random", "random").run(Problem("broken", Space(x=Float(0, 1)), broken), 4, 0)
    assert trace.losses == [None] * 4 and trace.best_config is None


def test_without_a_score_scale_the_ranks_follow_the_final_losses(tmp_path):
    from hpo import Float, Space
    from hpo.benchmarking import Problem, register_problem

    def narrow():  # random configurations all fail: no reference, so no normalized score
        def objective(config, budget=None):
            if abs(config["x"]) > 1e-3:
                raise ValueError("infeasible")
            return abs(config["x"])
        return Problem("narrow_rank_test", Space(x=Float(-1.0, 1.0)), objective, optimum=0.0)

    register_problem("narrow_rank_test", narrow)
    with run_benchmark(str(tmp_path), problems=["narrow_rank_test"], strategies=["far-test", "allround-test"],
                       n_trials=5, seeds=3) as store:
        s = summarize(store)
    assert np.isnan(s.paired()[1]).all()
    assert s.mean_ranks() == {"allround-test": 1.0, "far-test": 2.0}


def test_the_headline_counts_only_the_problems_every_strategy_ran(tmp_path):
    run_benchmark(str(tmp_path), problems=THREE, strategies=["allround-test", "far-test"], n_trials=5,
                  seeds=2).close()
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["specialist-test"], n_trials=5, seeds=2).close()
    from hpo.benchmarking.report import headline
    from hpo.benchmarking.store import RunStore

    with RunStore(str(tmp_path / "runs.db"), readonly=True) as store:
        opening = headline(summarize(store))
    assert "pairs of 1 problem (left out, not run by every strategy: hartmann3, six_hump_camel)" in opening, opening


class _CrashOnOddSeeds(Contender):
    """Finds the optimum on even seeds; on odd ones the run itself raises (a crash, not failed trials)."""

    def __init__(self, name):
        self.name = name

    def run(self, problem, n_trials, seed):
        if seed % 2:
            raise RuntimeError("the optimizer crashed")
        return RunTrace([problem.optimum] * n_trials, [None] * n_trials, [0.001] * n_trials, 0.1, None)


register_contender("crash-on-odd-test", lambda: _CrashOnOddSeeds("crash-on-odd-test"))


def test_a_run_that_crashed_counts_as_one_that_found_nothing_not_as_absent(tmp_path):
    # left out, the crashed pairs were dropped for every contender, and the crashing contender won on its easy seeds
    with run_benchmark(str(tmp_path), problems=["branin"], strategies=["crash-on-odd-test", "allround-test"],
                       n_trials=5, seeds=4) as store:
        s = summarize(store)
    pairs, scores = s.paired()
    assert len(pairs) == 4 and s.crashed == {("branin", "crash-on-odd-test"): [1, 3]}
    assert s.mean_ranks() == {"crash-on-odd-test": 1.5, "allround-test": 1.5}  # first on even seeds, last on odd
    text = build_report(str(tmp_path))
    assert "Runs that crashed count as runs that found nothing (last of their pair): 2 of crash-on-odd-test" in text
    assert "| crash-on-odd-test | 4 (2 crashed) |" in text and "| allround-test | 4 |" in text
    assert "- crash-on-odd-test on branin, seed 1: RuntimeError: the optimizer crashed" in text


def test_a_run_that_found_nothing_ranks_strictly_below_the_worst_that_found_something(tmp_path):
    from hpo.benchmarking.report import NOTHING_BELOW, _no_result_scores_last

    assert _no_result_scores_last([float("nan"), -315.4, -21.1]) == [-315.4 - NOTHING_BELOW, -315.4, -21.1]
    assert _no_result_scores_last([float("nan"), 50.0]) == [-NOTHING_BELOW, 50.0]


def test_a_problem_on_which_every_trial_fails_keeps_the_report(tmp_path):
    from hpo import Float, Space
    from hpo.benchmarking import Problem, register_problem

    def always_fails():
        def objective(config, budget=None):
            raise ValueError("the data file is missing")
        return Problem("allfail_report_test", Space(x=Float(0, 1)), objective)

    register_problem("allfail_report_test", always_fails)
    run_benchmark(str(tmp_path), problems=["allfail_report_test", "branin"], strategies=["random", "sobol"],
                  n_trials=4, seeds=2).close()
    text = build_report(str(tmp_path))  # matplotlib's "Data cannot be log-scaled" lost the whole report
    assert "### allfail_report_test" in text and (tmp_path / "report.md").exists()
    assert "random 8 of 16" in text  # the failed trials are said


def test_the_report_of_one_trial_count_lists_only_its_failed_runs(tmp_path):
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["crash-on-odd-test"], n_trials=6, seeds=2).close()
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["allround-test"], n_trials=4, seeds=2).close()
    assert "## Runs that failed" not in build_report(str(tmp_path), 4)
    assert "- crash-on-odd-test on branin, seed 1" in build_report(str(tmp_path), 6)
    with pytest.raises(ValueError, match=r"holds no run of 7 trials; it holds runs of \[4, 6\] trials"):
        build_report(str(tmp_path), 7)


def test_the_report_says_which_runs_it_holds_and_scores_beyond_the_optimum(tmp_path):
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["allround-test"], n_trials=5, seeds=4).close()
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["far-test"], n_trials=5, seeds=2).close()
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["far-test"], n_trials=3, seeds=1).close()
    text = build_report(str(tmp_path), 5)
    # the header spoke of the last command (1 seed) while the tables held 4 seeds of one strategy, 2 of the other
    assert "That was the last command; this report is of every run of 5 evaluations the store holds: seeds 0–3" in text
    assert "| allround-test | 4 |" in text and "| far-test | 2 |" in text
    assert "The store also holds runs of 3 evaluations" in text

    from hpo import Float, Space
    from hpo.benchmarking import Problem

    register_problem("wrong_optimum_test", lambda: Problem("wrong_optimum_test", Space(x=Float(-1, 1)),
                                                           lambda c, budget=None: c["x"] ** 2, optimum=0.2))
    run_benchmark(str(tmp_path / "b"), problems=["wrong_optimum_test"], strategies=["random"], n_trials=20,
                  seeds=2).close()
    assert "Scores above 100 on wrong_optimum_test: a run found a loss below the declared optimum" in \
        build_report(str(tmp_path / "b"))


def test_the_leaders_p_values_are_holm_adjusted_for_its_several_comparisons(bench_dir, tmp_path):
    from hpo.benchmarking.report import holm

    assert holm({"a": 0.01, "b": 0.04, "c": 0.03}) == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})
    assert holm({"only": 0.02}) == {"only": 0.02}  # one comparison: as it was
    run_benchmark(str(tmp_path), problems=THREE, strategies=["allround-test", "far-test", "specialist-test"],
                  n_trials=5, seeds=2).close()
    from hpo.benchmarking.store import RunStore

    with RunStore(str(tmp_path / "runs.db"), readonly=True) as store:
        test = summarize(store).wilcoxon()
    assert test["p"] == pytest.approx(holm(test["raw"])) and all(test["p"][c] >= test["raw"][c] for c in test["p"])
