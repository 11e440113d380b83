"""The benchmark runner, its store, the report and `hpo bench`."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from hpo.benchmarking import (
    RunTrace,
    available_problems,
    build_report,
    register_contender,
    register_problem,
    run_benchmark,
    summarize,
)
from hpo.benchmarking.contenders import Contender, make_contender
from hpo.benchmarking.report import _full_budget_losses, best_so_far, box_side, headline
from hpo.benchmarking.store import RunStore
from hpo.cli import main

PROBLEMS = ["branin", "mixed_conditional"]


def _losses(store):
    return {(r["problem"], r["contender"], r["seed"]): r["losses"] for r in store.runs()}


def test_runs_are_stored_and_a_rerun_skips_them(tmp_path):
    messages = []
    with run_benchmark(str(tmp_path), problems=PROBLEMS, strategies=["random", "sobol"], n_trials=8,
                       seeds=2, log=messages.append) as store:
        first = _losses(store)
    assert len(first) == 2 * 2 * 2 and all(len(v) == 8 for v in first.values())
    assert "8 runs to do (0 stored already)" in messages
    messages.clear()
    with run_benchmark(str(tmp_path), problems=PROBLEMS, strategies=["random", "sobol"], n_trials=8,
                       seeds=3, log=messages.append) as store:
        again = _losses(store)
    assert "4 runs to do (8 stored already)" in messages  # only the new seed runs
    assert {k: v for k, v in again.items() if k[2] < 2} == first


def test_a_strategy_or_seed_given_twice_runs_once(tmp_path):
    # `--strategies random,random` ran every random run twice (and stored one of the two)
    messages = []
    with run_benchmark(str(tmp_path), problems=["branin", "branin"], strategies=["random", "sobol", "random"],
                       n_trials=4, seeds=[1, 0, 1], log=messages.append) as store:
        keys = sorted(_losses(store))
        last = store.meta()["last_invocation"]
    assert "4 runs to do (0 stored already)" in messages
    assert keys == [("branin", c, s) for c in ("random", "sobol") for s in (0, 1)]
    assert last["strategies"] == ["random", "sobol"]


def test_runs_are_deterministic_per_seed(tmp_path):
    a = run_benchmark(str(tmp_path / "a"), problems=["branin"], strategies=["random"], n_trials=6, seeds=[3])
    b = run_benchmark(str(tmp_path / "b"), problems=["branin"], strategies=["random"], n_trials=6, seeds=[3])
    with a, b:
        assert _losses(a) == _losses(b)


@pytest.mark.slow
def test_parallel_runs_store_the_same_results(tmp_path):
    kwargs = dict(problems=PROBLEMS, strategies=["random", "grid"], n_trials=6, seeds=2)
    with run_benchmark(str(tmp_path / "one"), n_jobs=1, **kwargs) as one, \
            run_benchmark(str(tmp_path / "two"), n_jobs=2, **kwargs) as two:
        assert _losses(one) == _losses(two)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"suite": "nope"}, r"unknown suite 'nope'; known: \['quick'"),
        ({"problems": ["nope"]}, r"unknown problem 'nope'; known: \[.*'branin'"),
        ({"problems": ["branin"], "strategies": ["nope"]}, r"unknown strategy or peer 'nope'; known: \[.*'random'"),
        ({"problems": ["branin"], "n_trials": 0}, "n_trials must be a positive int"),
        ({"problems": ["branin"], "n_trials": True}, "n_trials must be a positive int, got True"),
        ({"problems": ["branin"], "n_trials": None}, "n_trials must be a positive int, got None"),
        ({"problems": ["branin"], "seeds": []}, "at least one seed"),
    ],
)
def test_bad_names_are_errors_listing_the_known_ones(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_benchmark(str(tmp_path), **kwargs)


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "runs.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (name TEXT)")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(ValueError, match="not an hpo benchmark store"):
        run_benchmark(str(tmp_path), problems=["branin"], strategies=["random"], n_trials=3, seeds=1)
    assert path.read_bytes() == before
    garbage = tmp_path / "g"
    garbage.mkdir()
    (garbage / "runs.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ValueError, match="not an SQLite database"):
        RunStore(str(garbage / "runs.db"))


class _Broken(Contender):
    name = "broken-test"

    def run(self, problem, n_trials, seed):
        raise RuntimeError("peer exploded")


class _Fixed(Contender):
    """Loses `offset` more than the optimum on every trial (to check ranks and scores)."""

    def __init__(self, name, offset):
        self.name, self.offset = name, offset

    def run(self, problem, n_trials, seed):
        losses = [problem.optimum + self.offset + 1.0 / (i + 1) for i in range(n_trials)]
        return RunTrace(losses, [None] * n_trials, [0.001] * n_trials, 0.1, {"x0": 0.0, "x1": 0.0})


register_contender("broken-test", _Broken)
register_contender("good-test", lambda: _Fixed("good-test", 0.0))
register_contender("bad-test", lambda: _Fixed("bad-test", 5.0))


def test_a_failing_contender_is_recorded_and_retried(tmp_path):
    with run_benchmark(str(tmp_path), problems=["branin"], strategies=["broken-test", "random"],
                       n_trials=4, seeds=1) as store:
        errors = store.errors()
        assert len(errors) == 1 and "peer exploded" in errors[0]["error"]
        assert ("branin", "broken-test", 0, 4) not in store.done()
    text = build_report(str(tmp_path))
    assert "## Runs that failed" in text and "broken-test on branin, seed 0: RuntimeError: peer exploded" in text


def test_ranks_scores_and_wilcoxon(tmp_path):
    with run_benchmark(str(tmp_path), problems=["branin", "hartmann3"], strategies=["bad-test", "good-test"],
                       n_trials=5, seeds=4) as store:
        s = summarize(store)
    ranks = s.mean_ranks()
    assert ranks == {"bad-test": 2.0, "good-test": 1.0}
    final = s.final("branin", "good-test")
    assert np.allclose(final, s.target["branin"] + 0.2)
    score = s.normalized("branin", np.array([s.target["branin"], s.reference["branin"]]))
    assert np.allclose(score, [100.0, 0.0])
    test = s.wilcoxon()
    assert test["leader"] == "good-test" and 0 < test["p"]["bad-test"] < 0.05


def test_report_writes_markdown_and_png(tmp_path):
    run_benchmark(str(tmp_path), problems=["branin", "knn_iris"], strategies=["random", "sobol"],
                  n_trials=5, seeds=2).close()
    text = build_report(str(tmp_path))
    assert "| strategy | mean rank |" in text and "### knn_iris" in text and "test loss" in text
    for kind in ("synthetic", "sklearn"):
        png = tmp_path / f"convergence_{kind}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert (tmp_path / "report.md").read_text() == text


def test_coarse_to_fine_runs_keep_their_ranges_and_the_report_shows_the_box_shrink(tmp_path):
    with run_benchmark(str(tmp_path), problems=["branin", "mixed_conditional"],
                       strategies=["coarse_to_fine", "random"], n_trials=60, seeds=2) as store:
        rows = list(store.runs())
    c2f = [r for r in rows if r["contender"] == "coarse_to_fine"]
    assert len(c2f) == 4 and all(r["rounds"] is None for r in rows if r["contender"] == "random")
    for r in c2f:
        rounds = r["rounds"]
        assert len(rounds) >= 3
        if r["problem"] == "branin":
            assert rounds[0]["ranges"] == {"x0": [-5.0, 10.0], "x1": [0.0, 15.0]}
        assert all(w == 1.0 for w in rounds[0]["widths"].values())
        assert set(rounds[-1]["widths"]) == set(rounds[-1]["ranges"])
        assert min(box_side(e["widths"]) for e in rounds[1:]) < 0.75  # it narrowed at some round
    text = build_report(str(tmp_path))
    assert "## Ranges per round" in text and "| branin | coarse_to_fine |" in text
    assert "| mixed_conditional | random |" not in text.split("## Ranges per round")[1].split("##")[0]
    if pytest.importorskip("matplotlib"):
        png = tmp_path / "ranges.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_box_side_is_the_geometric_mean_width():
    assert box_side({"a": 1.0, "b": 1.0}) == 1.0
    assert box_side({"a": 0.25, "b": 1.0}) == pytest.approx(0.5)
    assert box_side({"a": 0.1, "b": 0.1, "c": 0.1}) == pytest.approx(0.1)


def test_a_store_from_before_the_rounds_column_gains_it_when_a_run_has_rounds(tmp_path):
    path = tmp_path / "runs.db"
    with RunStore(str(path)) as store:
        store._db.execute("ALTER TABLE runs DROP COLUMN rounds")  # as an older hpo wrote it
        store.add_run({"problem": "branin", "contender": "random", "seed": 0, "n_trials": 1, "losses": [1.0]})
    with RunStore(str(path)) as store:
        assert [r["rounds"] for r in store.runs()] == [None]
        assert "rounds" not in store._columns()  # reading leaves the file as it was
        rounds = [{"ranges": {"x": (0.0, 1.0)}, "widths": {"x": 1.0}}]
        store.add_run({"problem": "branin", "contender": "coarse_to_fine", "seed": 0, "n_trials": 1,
                       "losses": [2.0], "rounds": rounds})
    with RunStore(str(path)) as store:
        got = {r["contender"]: r["rounds"] for r in store.runs()}
    assert got == {"random": None, "coarse_to_fine": [{"ranges": {"x": [0.0, 1.0]}, "widths": {"x": 1.0}}]}


def test_report_leaves_the_users_matplotlib_backend_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    run_benchmark(str(tmp_path), problems=["branin"], strategies=["random"], n_trials=3, seeds=1).close()
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    try:
        build_report(str(tmp_path))
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)


def test_best_so_far_and_full_budget_losses():
    assert np.allclose(best_so_far([None, 3.0, None, 1.0, 2.0])[1:], [3.0, 3.0, 1.0, 1.0])
    assert np.isnan(best_so_far([None, 3.0])[0])
    row = {"losses": [0.1, 0.5, 0.4], "budgets": [1, 9, 9]}
    assert _full_budget_losses(row) == [None, 0.5, 0.4]


def test_cli_bench_runs_and_rebuilds_the_report(tmp_path, capsys):
    out = str(tmp_path / "bench")
    code = main(["bench", "--problems", "branin", "--strategies", "random,grid", "--trials", "5",
                 "--seeds", "2", "--jobs", "1", "--out", out, "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "| strategy | mean rank |" in printed and f"report: {out}/report.md" in printed
    assert f"plot:   {out}/convergence_synthetic.png" in printed
    assert main(["bench", "report", out]) == 0
    printed = capsys.readouterr().out  # where it wrote and the opening paragraph, not the Markdown
    assert f"report: {out}/report.md" in printed and " won over " in printed and "## Summary" not in printed


def test_cli_bench_errors(tmp_path, capsys):
    assert main(["bench", "--suite", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown suite 'nope'; known:" in capsys.readouterr().err
    assert main(["bench", "--problems", "branin", "--strategies", "nope", "--out", str(tmp_path)]) == 2
    assert "unknown strategy or peer 'nope'" in capsys.readouterr().err
    assert main(["bench", "report", str(tmp_path / "empty")]) == 2
    assert "holds no benchmark store" in capsys.readouterr().err


def test_cli_bench_bad_out_and_factories_that_raise_name_the_culprit(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    assert main(["bench", "--problems", "branin", "--strategies", "random",
                 "--out", str(tmp_path / "notes.txt")]) == 2  # a FileExistsError traceback before
    assert "the output directory" in capsys.readouterr().err

    def broken_problem():
        raise RuntimeError("bad data path")

    register_problem("broken_factory_test", broken_problem)
    register_contender("broken_contender_test", lambda: (_ for _ in ()).throw(RuntimeError("bad option")))
    with pytest.raises(ValueError, match="problem 'broken_factory_test' could not be made: RuntimeError: bad data"):
        run_benchmark(str(tmp_path / "a"), problems=["broken_factory_test"], strategies=["random"], n_trials=2, seeds=1)
    with pytest.raises(ValueError, match="strategy 'broken_contender_test' could not be made: RuntimeError: bad opt"):
        run_benchmark(str(tmp_path / "b"), problems=["branin"], strategies=["broken_contender_test"], n_trials=2,
                      seeds=1)


def test_cli_bench_imports_the_users_module_of_problems_and_strategies(tmp_path):
    (tmp_path / "my_bench_defs.py").write_text(
        "import hpo\n"
        "from hpo.benchmarking import Problem, register_problem\n"
        "register_problem('my_square_test', lambda: Problem('my_square_test', hpo.Space(x=hpo.Float(-1, 1)),\n"
        "                 lambda c, budget=None: c['x'] ** 2, optimum=0.0))\n"
        "@hpo.register\n"
        "class MyMidpointTest(hpo.Strategy):\n"
        "    name = 'my_midpoint_test'\n"
        "    def _ask(self, n):\n"
        "        return [{'x': 0.5} for _ in range(n)]\n"
    )
    # in a process of its own: the module registers a strategy, which would stay registered for every later test
    import subprocess
    import sys

    def bench(*args):
        return subprocess.run([sys.executable, "-m", "hpo", "bench", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)

    out = str(tmp_path / "out")
    common = ["--problems", "my_square_test", "--strategies", "my_midpoint_test,random", "--trials", "3", "--seeds",
              "2", "--jobs", "1", "--no-progress", "--out", out]
    done = bench(*common)
    assert done.returncode == 2
    assert "unknown problem 'my_square_test'" in done.stderr and "pass --import MODULE to hpo bench" in done.stderr
    done = bench("--import", "my_bench_defs", *common)
    assert done.returncode == 0, done.stderr
    with RunStore(os.path.join(out, "runs.db"), readonly=True) as store:
        assert {(r["contender"], r["losses"][0]) for r in store.runs() if r["contender"] == "my_midpoint_test"} == {
            ("my_midpoint_test", 0.25)}
    done = bench("--import", "no_such_module_test", "--out", out)
    assert done.returncode == 2 and "--import no_such_module_test: ModuleNotFoundError" in done.stderr


class _CtrlCAtSeed1(_Fixed):
    def run(self, problem, n_trials, seed):
        if seed == 1 and os.environ.get("HPO_TEST_CTRL_C") == "1":
            raise KeyboardInterrupt  # the user presses Ctrl-C during the second run
        return super().run(problem, n_trials, seed)


register_contender("ctrl-c-test", lambda: _CtrlCAtSeed1("ctrl-c-test", 0.0))


def test_cli_bench_interrupted_says_the_runs_are_kept_and_a_rerun_goes_on(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / "bench")
    argv = ["bench", "--problems", "branin", "--strategies", "ctrl-c-test", "--trials", "5", "--seeds", "3",
            "--jobs", "1", "--out", out, "--no-progress"]
    monkeypatch.setenv("HPO_TEST_CTRL_C", "1")
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"hpo bench: interrupted; the finished runs are kept in {out}/runs.db: run the same command" in err
    monkeypatch.setenv("HPO_TEST_CTRL_C", "0")
    assert main(argv) == 0
    assert "2 runs to do (1 stored already)" in capsys.readouterr().err


def test_every_suite_problem_is_registered():
    from hpo.benchmarking import SUITES

    known = set(available_problems())
    for suite, names in SUITES.items():
        assert names and set(names) <= known, suite


class _Picky(_Fixed):
    def supports(self, problem):
        return problem.name != "hartmann3"


register_contender("picky-test", lambda: _Picky("picky-test", 0.0))


def test_unsupported_pairs_are_skipped_not_failed(tmp_path):
    messages = []
    with run_benchmark(str(tmp_path), problems=["branin", "hartmann3"], strategies=["picky-test", "random"],
                       n_trials=4, seeds=2, log=messages.append) as store:
        assert store.errors() == []
        assert {(r["problem"], r["contender"]) for r in store.runs()} == {
            ("branin", "picky-test"), ("branin", "random"), ("hartmann3", "random")}
    assert any("skipping picky-test on hartmann3" in m for m in messages)
    assert "6 runs to do (0 stored already)" in messages
    assert "Not run (the peer cannot express the problem" in build_report(str(tmp_path))


def test_a_benchmark_no_strategy_can_run_is_an_error_naming_why_before_anything_is_written(tmp_path):
    out = tmp_path / "none"
    with pytest.raises(ValueError, match=r"(?s)no strategy given can run.*sklearn_random on hartmann3: scikit-learn's "
                                         r"searches tune an estimator.*picky-test on hartmann3: its supports\(\)"):
        run_benchmark(str(out), problems=["hartmann3"], strategies=["sklearn_random", "picky-test"],
                      n_trials=4, seeds=1)
    assert not out.exists()


# --------------------------------------------------------------- parallel runs and their processes
_PARALLEL_SCRIPT = """
import os, sys, time
import hpo.benchmarking.runner as runner

def say(*words):  # one write per line: the workers share this stdout, and print() writes in pieces
    os.write(1, (" ".join(map(str, words)) + "\\n").encode())

def run_one(problem, contender, seed, n_trials, storage=None, study=None):
    say("worker", os.getpid())
    if contender == "dies":
        os._exit(3)
    if contender == "sleeps":
        time.sleep(120)
    return {"problem": problem, "contender": contender, "seed": seed, "n_trials": n_trials, "losses": [1.0]}

runner.run_one = run_one
jobs = [("p", name, seed) for name in sys.argv[1].split(",") for seed in range(2)]
for row in runner._execute(jobs, 5, 2):
    say("row", row["contender"], row["seed"], "error" if row.get("error") else "ok",
        (row.get("error") or "").strip().splitlines()[-1:])
say("finished")
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _start_parallel(tmp_path, contenders: str):
    import subprocess
    import sys

    script = tmp_path / "parallel.py"
    script.write_text(_PARALLEL_SCRIPT)
    return subprocess.Popen([sys.executable, str(script), contenders], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.PIPE, cwd=tmp_path)


@pytest.mark.skipif(not hasattr(__import__("os"), "killpg") or not __import__("os").path.isdir("/proc"),
                    reason="needs POSIX process groups and /proc")
def test_parallel_runs_end_with_a_terminated_bench(tmp_path):
    """SIGTERM to `hpo bench --jobs 2` ends its workers too (joblib's loky workers outlived it)."""
    import signal
    import time

    proc = _start_parallel(tmp_path, "sleeps")
    workers = set()
    while len(workers) < 2:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("worker"):
            workers.add(int(line.split()[1]))
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not left, f"worker processes {left} outlived the terminated bench by 15 s"


@pytest.mark.skipif(not hasattr(__import__("os"), "killpg"), reason="needs POSIX process groups")
def test_a_run_whose_process_dies_is_an_error_row_and_the_others_finish(tmp_path):
    proc = _start_parallel(tmp_path, "dies,random")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    rows = [line.split(maxsplit=4) for line in out.splitlines() if line.startswith("row")]
    assert sorted((r[1], r[2], r[3]) for r in rows) == [
        ("dies", "0", "error"), ("dies", "1", "error"), ("random", "0", "ok"), ("random", "1", "ok")]
    assert all("exit code 3" in r[4] for r in rows if r[1] == "dies"), rows
    assert "finished" in out


class _ByProblem(_Fixed):
    """Loses ``offsets[problem]`` more than the optimum on every trial."""

    def __init__(self, name, offsets):
        super().__init__(name, 0.0)
        self.offsets = offsets

    def run(self, problem, n_trials, seed):
        self.offset = self.offsets[problem.name]
        return super().run(problem, n_trials, seed)


register_contender("even-a-test", lambda: _ByProblem("even-a-test", {"branin": 0.0, "hartmann3": 0.5}))
register_contender("even-b-test", lambda: _ByProblem("even-b-test", {"branin": 0.5, "hartmann3": 0.0}))
register_contender("same-test", lambda: _Fixed("same-test", 0.0))


def test_a_tie_on_mean_rank_is_said_and_broken_by_the_mean_score_and_one_pair_needs_no_test(tmp_path):
    with run_benchmark(str(tmp_path / "tie"), problems=["branin", "hartmann3"],
                       strategies=["even-a-test", "even-b-test"], n_trials=4, seeds=2) as store:
        s = summarize(store)
    ranks = s.mean_ranks()
    assert ranks["even-a-test"] == ranks["even-b-test"] == 1.5
    _, scores = s.paired()
    leader, second = s.order()
    assert scores[:, s.contenders.index(leader)].mean() > scores[:, s.contenders.index(second)].mean()
    assert headline(s).startswith(f"{leader} and {second} tied on mean rank (1.50 of 2)")
    assert s.wilcoxon()["leader"] == leader
    with run_benchmark(str(tmp_path / "same"), problems=["branin"], strategies=["same-test", "good-test"],
                       n_trials=4, seeds=1) as store:
        s = summarize(store)
    text = headline(s)
    assert text.startswith("good-test and same-test tied over 1 (problem, seed) pairs") and "by name only" in text
    assert "With 1 (problem, seed) pair, no Wilcoxon test can be made" in text
    assert "| strategy | mean rank |" in build_report(str(tmp_path / "same"))


def test_a_users_problem_and_strategy_run_in_parallel_worker_processes(tmp_path, own_registrations):
    import hpo
    from hpo.benchmarking import Problem, register_problem

    def quad():  # defined here: a fresh worker cannot import it, it must be sent
        return Problem("quad_parallel_test", hpo.Space(x=hpo.Float(-1.0, 1.0)), lambda c, b: c["x"] ** 2,
                       optimum=0.0)

    class Mine(hpo.Strategy):
        name = "mine_parallel_test"

        def _ask(self, n):
            return self.space.sample(n, seed=self.rng)

    register_problem("quad_parallel_test", quad)
    hpo.register(Mine)
    with run_benchmark(str(tmp_path), problems=["quad_parallel_test"], strategies=["mine_parallel_test", "random"],
                       n_trials=4, seeds=2, n_jobs=2) as store:
        runs = list(store.runs())
        assert len(runs) == 4 and store.errors() == [], store.errors()


@pytest.fixture
def own_registrations(monkeypatch):
    """Strategies, peers and problems a test registers are gone after it (other tests list every strategy)."""
    from hpo.benchmarking import contenders, problem
    from hpo.strategies import registry

    for module, name in ((registry, "_STRATEGIES"), (contenders, "_CONTENDERS"), (problem, "_PROBLEMS")):
        monkeypatch.setattr(module, name, dict(getattr(module, name)))


def test_a_contender_name_that_clashes_is_refused(own_registrations):
    import hpo

    with pytest.raises(ValueError, match="'random' is the name of an hpo strategy"):
        register_contender("random", lambda: _Fixed("random", 0.0))
    with pytest.raises(ValueError, match="a contender named 'good-test' is registered already"):
        register_contender("good-test", lambda: _Fixed("good-test", 1.0))

    class Clash(hpo.Strategy):
        name = "clash-test"

        def _ask(self, n):
            return self.space.sample(n, seed=self.rng)

    register_contender("clash-test", lambda: _Fixed("clash-test", 0.0))
    hpo.register(Clash)
    with pytest.raises(ValueError, match="'clash-test' names both a peer and a strategy"):
        make_contender("clash-test")


def test_a_run_replayed_from_storage_keeps_the_wall_time_it_took(tmp_path):
    import time as _time

    from hpo import Float, Space
    from hpo.benchmarking.contenders import StrategyContender
    from hpo.benchmarking.problem import Problem

    def slow(config, budget=None):
        _time.sleep(0.05)
        return config["x"]

    problem = Problem("slow_storage_test", Space(x=Float(0, 1)), slow)
    db = str(tmp_path / "st.db")
    first = StrategyContender("random").run(problem, 4, 0, storage=db, study="s")
    again = StrategyContender("random").run(problem, 4, 0, storage=db, study="s")  # every trial from storage
    assert again.losses == first.losses
    # the replay took a moment, but the run took as long as it did: wall below the evaluations' time before
    assert again.wall_seconds >= sum(again.eval_seconds) >= 0.2


def test_a_grid_in_a_benchmark_runs_its_first_n_trials_without_a_warning_to_pass_n_trials_none():
    import warnings

    from hpo.benchmarking.contenders import StrategyContender

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from hpo.benchmarking import make_problem

        trace = StrategyContender("grid").run(make_problem("branin"), 5, 0)
    assert len(trace.losses) == 5


def test_a_problem_or_strategy_that_changed_under_its_name_is_refused_not_mixed(tmp_path):
    from hpo import Float, Space
    from hpo.benchmarking import Problem

    from hpo.benchmarking.contenders import StrategyContender

    now = {}  # the definitions in force: the user edits their module between two runs

    def version(optimum, options):
        now.update(optimum=optimum, options=options)

    register_problem("changing_test", lambda: Problem("changing_test", Space(x=Float(-1, 1)),
                                                      lambda c, budget=None: c["x"] ** 2 + now["optimum"],
                                                      optimum=now["optimum"]))
    register_contender("changing_bayes_test", lambda: StrategyContender("changing_bayes_test", "bayes",
                                                                        now["options"]))

    version(0.0, {"acquisition": "lcb"})
    run_benchmark(str(tmp_path), problems=["changing_test"], strategies=["changing_bayes_test"], n_trials=3,
                  seeds=1).close()
    version(10.0, {"acquisition": "lcb"})
    with pytest.raises(ValueError, match=r"problem 'changing_test' is not the one whose runs .* holds: its optimum "
                                         r"changed \(optimum: 0.0 then, 10.0 now\)"):
        run_benchmark(str(tmp_path), problems=["changing_test"], strategies=["random"], n_trials=3, seeds=1)
    version(0.0, {"acquisition": "pi"})
    with pytest.raises(ValueError, match="strategy 'changing_bayes_test' is not the one .* its options changed"):
        run_benchmark(str(tmp_path), problems=["changing_test"], strategies=["changing_bayes_test"], n_trials=3,
                      seeds=1)
    version(0.0, {"acquisition": "lcb"})  # as it was: goes on
    run_benchmark(str(tmp_path), problems=["changing_test"], strategies=["changing_bayes_test", "random"], n_trials=3,
                  seeds=1).close()


def test_a_problem_factory_taking_a_seed_gets_each_runs_seed_in_worker_processes_too(tmp_path, own_registrations):
    # a noisy problem drew its noise from a stream the run's seed did not reach: runs of one seed differed
    from hpo import Float, Space
    from hpo.benchmarking import Problem, make_problem, register_problem

    seen = []

    def noisy(seed=None):
        seen.append(seed)
        rng = np.random.default_rng(seed)
        return Problem("noisy_seed_test", Space(x=Float(-1.0, 1.0)),
                       lambda c, b: c["x"] ** 2 + 0.1 * float(rng.normal()), optimum=0.0)

    register_problem("noisy_seed_test", noisy)
    assert make_problem("noisy_seed_test").name == "noisy_seed_test" and seen == [None]
    losses = {}
    for n_jobs, where in ((1, "a"), (2, "b"), (1, "c")):
        with run_benchmark(str(tmp_path / where), problems=["noisy_seed_test"], strategies=["random"], n_trials=5,
                           seeds=[3, 4] if where != "c" else [3], n_jobs=n_jobs) as store:
            losses[where] = {r["seed"]: r["losses"] for r in store.runs()}
    assert None in seen and 3 in seen  # the reference without a seed, the runs with theirs (n_jobs=1 here)
    assert losses["a"] == losses["b"]  # in worker processes as in this one
    assert losses["c"][3] == losses["a"][3] and losses["a"][3] != losses["a"][4]


def test_a_factory_without_a_seed_is_called_without_one():
    from hpo.benchmarking.problem import takes_seed

    assert takes_seed(lambda seed=None: None) and takes_seed(lambda **kw: None) and takes_seed(lambda *, seed: None)
    assert not takes_seed(lambda: None) and not takes_seed(lambda n=1: None) and not takes_seed(dict)


def test_cli_bench_an_unwritable_out_and_a_read_only_benchmark_folder_are_messages(tmp_path, capsys, monkeypatch):
    # a traceback (exit 1) before; a read-only benchmark folder could not be reported at all
    bad = "/proc/hpo-bench-test"  # cannot be created, even by root
    assert main(["bench", "--problems", "branin", "--strategies", "random", "--trials", "3", "--seeds", "1",
                 "--jobs", "1", "--no-progress", "--out", bad]) == 2
    assert f"cannot write the results in the output directory '{bad}'" in capsys.readouterr().err
    out = tmp_path / "b"
    assert main(["bench", "--problems", "branin", "--strategies", "random", "--trials", "3", "--seeds", "1",
                 "--jobs", "1", "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    real_open = open

    def read_only(path, mode="r", *args, **kwargs):  # the benchmark folder on a read-only file system
        if str(path).startswith(str(out)) and "w" in mode:
            raise OSError(30, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", read_only)
    assert main(["bench", "report", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write the report in {out}" in err and "--out DIR writes it elsewhere" in err
    assert main(["bench", "report", str(out), "--out", str(tmp_path / "elsewhere")]) == 0
    assert (tmp_path / "elsewhere" / "report.md").read_text().startswith("# hpo benchmark: 3 evaluations per run")
    assert f"report: {tmp_path / 'elsewhere' / 'report.md'}" in capsys.readouterr().out


def test_runs_stored_before_the_store_recorded_their_making_are_said_to_be_unchecked(tmp_path):
    # an upgraded hpo added its runs to an old store's and reported both as one strategy, without a word
    out = str(tmp_path / "b")
    run_benchmark(out, problems=["branin"], strategies=["random"], n_trials=3, seeds=1).close()
    assert "before the store recorded" not in build_report(out)
    with sqlite3.connect(os.path.join(out, "runs.db")) as con:  # what an hpo from before the check stored
        con.execute("DELETE FROM meta WHERE key = 'definitions'")
    messages = []
    run_benchmark(out, problems=["branin"], strategies=["random"], n_trials=3, seeds=2, log=messages.append).close()
    assert any("holds runs stored before it recorded what made them" in m for m in messages)
    assert "stored before the store recorded what made them (an earlier hpo)" in build_report(out)
