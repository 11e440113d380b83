"""Multi-fidelity search (issue 6): compute to reach random search's score, and test score at equal time.

On the ``multifidelity`` problems of the benchmark suite (``hpo.benchmarking.multifidelity``:
SGDClassifier and MLPClassifier by epochs of ``partial_fit`` on digits,
HistGradientBoostingClassifier by ``max_iter`` on breast_cancer, an RBF SVC by
training rows on digits), with each problem's own data, fixed validation
holdout, scorer and test split. hpo's strategies run as the Tuner runs them:
:class:`hpo.evaluation.EstimatorObjective` with the problem's resource
(``resource="epochs"``, ``"max_iter"``, ``"n_samples"``; promoted candidates
continue from their paused model where the resource allows), one thread (BLAS
and OpenMP limited to 1) for every contender. Per seed (``--seeds``, default
10):

**A. Compute to reach random search's score.** Random search at the full
budget for 50 trials (``--random-trials``) sets the target: its best
validation loss. For ``hyperband``, ``asha`` and ``halving`` (hpo), the compute
until their first trial *at the full budget* with a validation loss at or
below that target: summed resource units actually trained (epochs, boosting
iterations, training rows; a continued candidate counts only the units it
added) and wall time (plus process CPU time) from the start of the search.
Random search's own compute is counted up to the trial where it first
reached its best (the conservative reference), and for its whole 50 trials.
``hyperband`` and ``asha`` stop at the target or after as many units as the
random search spent in all (``--cap``); ``halving`` is one round of successive
halving with ``3 * eta**(rungs-1)`` candidates (``--halving-factor``; its last
rung then holds 3) and reaches the target or not.
Ratios are random / method per seed; the tables give their medians (a seed
where the method never reached the target counts as a ratio of 0).

**B. Test score at equal time against scikit-learn.**
``HalvingRandomSearchCV`` (``factor=3``; the problem's resource: ``epochs``,
``max_iter`` or rows; ``3 * eta**(rungs-1)`` candidates, ``--sklearn-factor``;
``min_resources`` as ``"exhaust"`` computes it, so that the last rung is as
large as possible, but not below the problem's smallest budget) runs first; its CPU time ``T`` then caps
hpo's ``hyperband`` and ``asha`` (checked after each trial), and hpo's
``halving`` runs one round with as many first-rung candidates (like for like;
its time is reported). Every contender runs on one thread, so on an idle
machine its CPU time is its wall time; the machine these figures come from is
shared (load average 5-9 on 2 cores), where wall time swings several-fold
with the neighbours' load, so the cap is CPU time and both are reported. The
best of each (at the largest budget it reached) is refitted on every
training row at the full budget and scored on the held-back test split
(``problem.test_loss``). For conditional spaces (the SGD and MLP problems),
which ``param_distributions`` cannot express, scikit-learn samples an integer
seed and the estimator decodes hpo's own ``space.sample(1, seed=...)`` from
it: the same distribution of configurations for both.

**C. How well a small budget ranks configurations** (a diagnostic): 30 random
configurations evaluated from scratch at every rung budget; the Spearman
correlation of their losses with the full budget's, and the CPU cost per
budget.

**D. At equal compute against random search** (issue 20, the adaptation
``adapt`` of asha and hyperband): random search at the full budget for 50
trials sets the compute (its CPU time ``T``) and the target (its best
validation loss); ``asha`` and ``hyperband`` (``--d-methods``, with options as
``asha:adapt=false``) then run until ``T``. Per problem and method: the best
full-budget validation loss within ``T`` against random's (paired per seed),
and whether and how fast (``T`` / CPU time) it reached random's best. Its
problems default to the suite plus ``multifidelity.EXTRA`` (the issue-20 task
and two held-out tasks). ``--compare BEFORE.jsonl`` prints a before/after
table of two such runs (nothing is run).

Usage::

    python benchmarks/bench_multifidelity.py                  # 10 seeds, 4 problems (~3 h on 2 busy cores)
    python benchmarks/bench_multifidelity.py --quick          # 3 seeds
    python benchmarks/bench_multifidelity.py --problems hgb_breast_cancer_iters --seeds 5 --parts B
    python benchmarks/bench_multifidelity.py --parts D --out benchmarks/results/adaptive_after.jsonl
    python benchmarks/bench_multifidelity.py --parts D --out benchmarks/results/adaptive_after.jsonl \
        --compare benchmarks/results/adaptive_before.jsonl

Results are appended per (problem, seed) to ``--out`` (JSON lines; a rerun
skips what is there) and summarized as Markdown tables at the end.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from typing import Any

import numpy as np
import sklearn
from scipy import stats
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

import hpo
from hpo.benchmarking import make_problem
from hpo.benchmarking.multifidelity import PartialFitEpochs
from hpo.benchmarking.peers import SklearnSearchContender
from hpo.executors.cores import limit_threads
from hpo.engine import StopSearch
from hpo.evaluation import EstimatorObjective, make_scorers
from hpo.resources import resolve_resource
from hpo.strategies import make_strategy
from hpo.strategies.halving import rung_budgets

PROBLEMS = ["sgd_digits_epochs", "mlp_digits_epochs", "hgb_breast_cancer_iters", "svm_digits_samples"]
#: Part D's problems: the suite, the issue-20 task and two held-out tasks (``multifidelity.EXTRA``).
D_PROBLEMS = PROBLEMS + ["hgb_synth_samples", "sgd_synth_epochs", "gb_synth_trees"]
METHODS = ["hyperband", "asha", "halving"]
D_METHODS = ["asha", "hyperband"]


# ============================================================================ the hpo side
class _Timed:
    """The objective, recording the process CPU time at the end of each evaluation."""

    def __init__(self, objective: EstimatorObjective) -> None:
        self.objective = objective

    def __call__(self, config: dict, budget: Any = None) -> dict:
        out = self.objective(config, budget)
        out["cpu_end"] = time.process_time()
        return out


def tuner_parts(problem) -> tuple[Any, str, int, int]:
    """The estimator, resource and range the Tuner would use for ``problem``."""
    tags = problem.tags
    est = tags["estimator"]
    param = tags["budget_param"]
    if param == "epochs":
        return clone(est.estimator), "epochs", int(problem.min_budget), int(problem.max_budget)
    if param is None:
        return clone(est), "n_samples", int(problem.min_budget), int(problem.max_budget)
    return clone(est), param, int(problem.min_budget), int(problem.max_budget)


def run_hpo(problem, strategy: str, seed: int, *, n_trials: int | None = None, cpu_cap: float | None = None,
            target: float | None = None, cap_units: float | None = None, options: dict | None = None) -> dict:
    """One search as the Tuner runs it; stops at ``target`` (a full-budget loss), ``cap_units`` or ``cpu_cap``.

    The caps are checked after each trial: the trial that crosses one finishes.
    """
    tags = problem.tags
    est, resource, low, high = tuner_parts(problem)
    X, y = tags["X_train"], tags["y_train"]
    splits = tags["cv"]
    scorers, _ = make_scorers(est, tags["scoring"])
    res, low, high, opts = resolve_resource(est, problem.space, strategy, options, resource, low, high, X, y,
                                            splits, True)
    objective = EstimatorObjective(est, problem.space, X, y, splits, scorers, "score", resource=res,
                                   min_resource=low, max_resource=high, random_state=seed)
    offset = float(tags.get("loss_offset", 0.0))
    spent = [0]
    cpu0 = time.process_time()

    def stop(result, trial):
        if cpu_cap is not None and time.process_time() - cpu0 >= cpu_cap:
            raise StopSearch
        if trial.status == "ok":
            spent[0] += trial.metrics["resource_units"]
            if target is not None and trial.metrics["n_resources"] == high and offset - trial.value <= target + 1e-12:
                raise StopSearch
        if cap_units is not None and spent[0] >= cap_units:
            raise StopSearch

    strat = make_strategy(strategy, problem.space, seed=seed, options=opts)
    with warnings.catch_warnings(), limit_threads(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        cpu0, t0 = time.process_time(), time.time()
        result = hpo.optimize(_Timed(objective), problem.space, strat, n_trials=n_trials, callbacks=[stop],
                              direction="maximize")  # the objective's value is the validation score
        wall, cpu = time.time() - t0, time.process_time() - cpu0
    trials = [t for t in result.trials]
    return {
        "wall": wall, "cpu": cpu, "max_resource": high,
        "losses": [None if t.status != "ok" else offset - t.value for t in trials],
        "n_resources": [t.metrics.get("n_resources") for t in trials],
        "units": [t.metrics.get("resource_units", 0) for t in trials],
        "walls": [t.finished - t0 for t in trials],
        "cpus": [t.metrics["cpu_end"] - cpu0 if "cpu_end" in t.metrics else None for t in trials],
        "best_config": result.best_config if result.n_ok else None,
        "best_budget": result.best_trial.budget if result.n_ok else None,
        "configs": [t.config for t in trials],
        "adaptation": _adaptation(result.strategy_instance),
        "log": [[t.candidate.info.get("rung"), t.candidate.info.get("entry"), t.candidate.info.get("bracket"),
                 None if t.status != "ok" else offset - t.value, t.duration, t.metrics.get("resumed_from")]
                for t in trials],
    }


def _adaptation(strategy) -> dict | None:
    """What a strategy's adaptation (``adapt``) did, as plain data (None: it has none)."""
    summary = getattr(strategy, "adaptation_summary", None)
    return summary() if callable(summary) else None


def parse_method(label: str) -> tuple[str, dict]:
    """``"asha"`` or ``"asha:adapt=false;eta=2"`` -> the strategy name and its options (JSON values, else str)."""
    name, _, rest = label.partition(":")
    options: dict = {}
    for item in filter(None, rest.split(";")):
        key, _, value = item.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return name, options


def reach(run: dict, target: float) -> dict | None:
    """Compute until the first full-budget trial at or below ``target`` (None: never)."""
    units = 0
    for loss, n_res, u, wall, cpu in zip(run["losses"], run["n_resources"], run["units"], run["walls"], run["cpus"]):
        units += u or 0
        if loss is not None and n_res == run["max_resource"] and loss <= target + 1e-12:
            return {"units": units, "wall": wall, "cpu": cpu}
    return None


# ============================================================================ scikit-learn's halving
class _SampledEpochs(PartialFitEpochs):
    """``PartialFitEpochs`` whose configuration is hpo's ``space.sample(1, seed=config_seed)``.

    Lets scikit-learn's searches sample a conditional space (which
    ``param_distributions`` cannot express) from the very distribution hpo's
    random sampler uses: scikit-learn samples ``config_seed``.
    """

    def __init__(self, estimator: Any = None, epochs: int = 1, classes: Any = None, space: Any = None,
                 config_seed: int = 0) -> None:
        super().__init__(estimator, epochs, classes)
        self.space = space
        self.config_seed = config_seed

    def set_params(self, **params: Any) -> "_SampledEpochs":
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def config(self) -> dict:
        return self.space.sample(1, seed=int(self.config_seed))[0]

    def fit(self, X: Any, y: Any) -> "_SampledEpochs":
        classes = np.unique(y) if self.classes is None else np.asarray(self.classes)
        est = clone(self.estimator).set_params(**self.space.to_params(self.config()))
        for _ in range(int(self.epochs)):
            est.partial_fit(X, y, classes=classes)
        self.estimator_ = est
        self.classes_ = est.classes_
        self.n_features_in_ = np.shape(X)[1]
        return self


def run_sklearn_halving(problem, seed: int, n_candidates: int) -> dict:
    """``HalvingRandomSearchCV`` on the problem's resource; wall time without refit, best of the last rung."""
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    tags = problem.tags
    space = problem.space
    param = tags["budget_param"]
    est = tags["estimator"]
    sampled = param == "epochs"
    if sampled:
        est = _SampledEpochs(clone(est.estimator), epochs=int(problem.max_budget), classes=est.classes, space=space)
        dists: Any = {"config_seed": stats.randint(0, 2**31 - 1)}
    else:
        dists = SklearnSearchContender.param_distributions(space)
    # min_resources="exhaust" as scikit-learn computes it, but never below the problem's smallest budget:
    # as many rungs as the candidates need and the range allows, the last one as large as possible
    n_rows = len(tags["y_train"])
    high = n_rows if param is None else int(problem.max_budget)  # scikit-learn's rows count the validation part
    low = int(problem.min_budget) if param is not None else int(math.ceil(problem.min_budget * n_rows / problem.max_budget))
    n_iter = min(1 + int(math.floor(math.log(n_candidates, 3) + 1e-9)), 1 + int(math.floor(math.log(high / low, 3) + 1e-9)))
    min_resources = max(low, high // 3 ** (n_iter - 1))
    extra = {"resource": "n_samples"} if param is None else {"resource": param, "max_resources": high}
    search = HalvingRandomSearchCV(clone(est), dists, n_candidates=n_candidates, factor=3, min_resources=min_resources,
                                   scoring=tags["scoring"], cv=tags["cv"], refit=False, error_score=np.nan,
                                   random_state=seed, n_jobs=1, **extra)
    with warnings.catch_warnings(), limit_threads(1):
        for w in (ConvergenceWarning, FitFailedWarning, UserWarning):
            warnings.simplefilter("ignore", w)
        cpu0, t0 = time.process_time(), time.time()
        search.fit(tags["X_train"], tags["y_train"])
        wall, cpu = time.time() - t0, time.process_time() - cpu0
    res = search.cv_results_
    last = max(res["iter"])
    scores = np.asarray(res["mean_test_score"], dtype=float)
    rows = [i for i in range(len(scores)) if res["iter"][i] == last and np.isfinite(scores[i])]
    best = max(rows, key=lambda i: scores[i])
    params = res["params"][best]
    if sampled:
        config = space.sample(1, seed=int(params["config_seed"]))[0]
    else:
        config = SklearnSearchContender("x")._config(space, params)
    offset = float(tags.get("loss_offset", 0.0))
    return {"wall": wall, "cpu": cpu, "best_config": config, "n_resources": [int(r) for r in res["n_resources"]],
            "val_loss": offset - float(scores[best]), "units": int(np.sum(res["n_resources"]))}


# ============================================================================ one seed
def plan(problem) -> int:
    """``eta**(rungs - 1)``: the first rung of one round of hpo's halving on ``problem`` (eta = 3)."""
    _, _, low, high = tuner_parts(problem)
    return 3 ** (len(rung_budgets(low, high, 3)) - 1)


def part_a(name: str, seed: int, args) -> dict:
    """Compute to reach random search's best validation loss."""
    problem = make_problem(name)
    n_candidates = plan(problem)
    out: dict = {"problem": name, "seed": seed, "part": "A"}
    rnd = run_hpo(problem, "random", seed, n_trials=args.random_trials)
    losses = [math.inf if v is None else v for v in rnd["losses"]]
    target = min(losses)
    first = losses.index(target)
    out["target"] = target
    out["random"] = {
        "to_best": {"units": sum(rnd["units"][: first + 1]), "wall": rnd["walls"][first], "cpu": rnd["cpus"][first]},
        "all": {"units": sum(rnd["units"]), "wall": rnd["wall"], "cpu": rnd["cpu"]},
        "test_loss": problem.test_loss(rnd["best_config"]),
    }
    cap = args.cap * sum(rnd["units"])
    for method in METHODS:
        if method == "halving":
            run = run_hpo(problem, "halving", seed, n_trials=None,
                          options={"n_candidates": args.halving_factor * n_candidates})
        else:
            run = run_hpo(problem, method, seed, n_trials=100_000, target=target, cap_units=cap)
        out.setdefault("reach", {})[method] = {
            "reached": reach(run, target), "units": sum(run["units"]), "wall": run["wall"], "cpu": run["cpu"],
        }
    return out


def part_b(name: str, seed: int, args) -> dict:
    """Test loss of the refitted best at equal time, against HalvingRandomSearchCV."""
    problem = make_problem(name)
    n_candidates = args.sklearn_factor * plan(problem)
    out: dict = {"problem": name, "seed": seed, "part": "B", "n_candidates": n_candidates}
    skl = run_sklearn_halving(problem, seed, n_candidates)
    out["sklearn_halving"] = {"wall": skl["wall"], "cpu": skl["cpu"], "units": skl["units"],
                              "val_loss": skl["val_loss"], "test_loss": problem.test_loss(skl["best_config"]),
                              "rungs": sorted(set(skl["n_resources"]))}
    for method in METHODS:
        if method == "halving":  # like for like: one round with as many first-rung candidates
            run = run_hpo(problem, "halving", seed, n_trials=None, options={"n_candidates": n_candidates})
        else:
            run = run_hpo(problem, method, seed, n_trials=100_000, cpu_cap=skl["cpu"])
        out.setdefault("equal_time", {})[method] = {
            "wall": run["wall"], "cpu": run["cpu"], "units": sum(run["units"]), "n_trials": len(run["losses"]),
            "best_budget": run["best_budget"],
            "test_loss": None if run["best_config"] is None else problem.test_loss(run["best_config"]),
        }
    return out


def part_d(name: str, seed: int, args) -> dict:
    """At equal compute against random search: best validation loss within its CPU time, and time to its best.

    Random search at the full budget for ``--random-trials`` trials sets the compute (its CPU time ``T``)
    and the target (its best validation loss). Each of ``--d-methods`` then runs until ``T`` (checked after each
    trial; only trials that ended within ``T`` count).
    """
    problem = make_problem(name)
    out: dict = {"problem": name, "seed": seed, "part": "D"}
    rnd = run_hpo(problem, "random", seed, n_trials=args.random_trials)
    losses = [math.inf if v is None else v for v in rnd["losses"]]
    target = min(losses)
    out["target"] = target
    out["random"] = {"cpu": rnd["cpu"], "wall": rnd["wall"], "units": sum(rnd["units"]), "best": target,
                     "test_loss": problem.test_loss(rnd["best_config"])}
    cap = rnd["cpu"]
    for label in args.d_methods.split(","):
        method, options = parse_method(label)
        run = run_hpo(problem, method, seed, n_trials=100_000, cpu_cap=cap, options=options)
        full = [i for i, (loss, n_res, cpu) in enumerate(zip(run["losses"], run["n_resources"], run["cpus"]))
                if loss is not None and n_res == run["max_resource"] and cpu is not None and cpu <= cap]
        best_i = min(full, key=lambda i: (run["losses"][i], i)) if full else None
        got = reach(run, target)
        out.setdefault("methods", {})[label] = {
            "best": math.inf if best_i is None else run["losses"][best_i],
            "test_loss": None if best_i is None else problem.test_loss(run["configs"][best_i]),
            "reached": None if got is None or got["cpu"] > cap else got,
            "cpu": run["cpu"], "wall": run["wall"], "units": sum(run["units"]), "n_trials": len(run["losses"]),
            "n_full": len(full), "adaptation": run["adaptation"],
            "log": run["log"] if args.log_trials else None,
        }
    return out


def fidelity(name: str, n_configs: int = 30) -> dict:
    """How well a small budget ranks configurations: Spearman correlation with the full budget, and cost.

    ``n_configs`` random configurations (seed 123), each evaluated from scratch at
    every rung budget of hpo's halving (eta = 3); CPU seconds per evaluation.
    """
    problem = make_problem(name)
    tags = problem.tags
    est, resource, low, high = tuner_parts(problem)
    X, y = tags["X_train"], tags["y_train"]
    scorers, _ = make_scorers(est, tags["scoring"])
    res, low, high, _ = resolve_resource(est, problem.space, "halving", None, resource, low, high, X, y,
                                         tags["cv"], True)
    objective = EstimatorObjective(est, problem.space, X, y, tags["cv"], scorers, "score", resource=res,
                                   min_resource=low, max_resource=high, random_state=0)
    objective.paused.max_paused = 0  # every budget from scratch
    budgets = rung_budgets(low, high, 3)
    losses = np.zeros((n_configs, len(budgets)))
    cpu = np.zeros_like(losses)
    with warnings.catch_warnings(), limit_threads(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        for i, config in enumerate(problem.space.sample(n_configs, seed=123)):
            for j, b in enumerate(budgets):
                t = time.process_time()
                losses[i, j] = -objective(config, b)["value"]  # minus the validation score
                cpu[i, j] = time.process_time() - t
    return {"problem": name, "part": "C", "seed": 0, "budgets": budgets,
            "spearman": [float(stats.spearmanr(losses[:, j], losses[:, -1]).statistic) for j in range(len(budgets))],
            "cpu": [float(np.median(cpu[:, j])) for j in range(len(budgets))]}


# ============================================================================ summary
def _median(xs: list) -> float:
    return float(statistics.median(xs)) if xs else math.nan


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if isinstance(x, float) and math.isinf(x):
        return "never"
    return f"{x:.{digits}g}"


def _wilcoxon(ours: list[dict], sk: list[dict]) -> str:
    diffs = [o["test_loss"] - s["test_loss"] for o, s in zip(ours, sk) if o["test_loss"] is not None]
    if not any(abs(d) > 1e-12 for d in diffs):
        return "p=1"
    return f"p={stats.wilcoxon(diffs, zero_method='zsplit').pvalue:.2f}"


def summarize(rows: list[dict]) -> str:
    lines = []
    all_rows = rows
    rows = [r for r in all_rows if r["part"] == "A"]
    problems = [p for p in PROBLEMS if any(r["problem"] == p for r in rows)]
    lines += ["### A. Compute to reach the validation loss of random search's 50 full-budget trials", "",
              "Medians over seeds of random / method ratios per seed (a seed where the method never reached "
              "the target counts as 0). *vs time-to-best*: random search's compute up to the trial where it "
              "first reached its best; *vs 50 trials*: its whole run.", "",
              "| problem | seeds | target (median val. loss) | method | reached | units ratio vs time-to-best "
              "| wall ratio vs time-to-best | CPU ratio vs time-to-best | units ratio vs 50 trials "
              "| wall ratio vs 50 trials |",
              "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for p in problems:
        rs = [r for r in rows if r["problem"] == p]
        for m in METHODS:
            ratios: dict[str, list] = {k: [] for k in ("u", "w", "c", "u50", "w50")}
            n_reached = 0
            for r in rs:
                got = r["reach"][m]["reached"]
                tb, al = r["random"]["to_best"], r["random"]["all"]
                if got is None:
                    for k in ratios:
                        ratios[k].append(0.0)
                    continue
                n_reached += 1
                ratios["u"].append(tb["units"] / max(got["units"], 1e-12))
                ratios["w"].append(tb["wall"] / max(got["wall"], 1e-12))
                ratios["c"].append(tb["cpu"] / max(got["cpu"], 1e-12))
                ratios["u50"].append(al["units"] / max(got["units"], 1e-12))
                ratios["w50"].append(al["wall"] / max(got["wall"], 1e-12))
            lines.append(
                f"| {p} | {len(rs)} | {_fmt(_median([r['target'] for r in rs]), 4)} | {m} | {n_reached}/{len(rs)} | "
                + " | ".join(f"{_fmt(_median(ratios[k]))}x" for k in ("u", "w", "c", "u50", "w50")) + " |"
            )
    lines += ["", "### B. Test loss of the refitted best at equal time, against HalvingRandomSearchCV", "",
              "hyperband and asha stop after scikit-learn's CPU time (checked after each trial); halving runs "
              "one round with as many first-rung candidates as scikit-learn's. Test loss: lower is better (error "
              "for SGD and SVC, log-loss for MLP and HGB); medians over seeds; W/T/L: seeds where hpo's test "
              "loss is lower / equal / higher, and the two-sided Wilcoxon signed-rank p-value of the paired "
              "differences.", "",
              "| problem | sklearn candidates, rungs | sklearn CPU s (wall s) | sklearn test loss | method | test loss "
              "| W/T/L vs sklearn (p) | CPU / sklearn's | wall / sklearn's | resource units / sklearn's |",
              "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    rows = [r for r in all_rows if r["part"] == "B"]
    problems = [p for p in PROBLEMS if any(r["problem"] == p for r in rows)]
    for p in problems:
        rs = [r for r in rows if r["problem"] == p]
        sk = [r["sklearn_halving"] for r in rs]
        for m in METHODS:
            ours = [r["equal_time"][m] for r in rs]
            w = sum(o["test_loss"] is not None and o["test_loss"] < s["test_loss"] - 1e-12 for o, s in zip(ours, sk))
            t = sum(o["test_loss"] is not None and abs(o["test_loss"] - s["test_loss"]) <= 1e-12 for o, s in zip(ours, sk))
            lines.append(
                f"| {p} | {rs[0]['n_candidates']}, {sk[0]['rungs']} | {_fmt(_median([s['cpu'] for s in sk]))} "
                f"({_fmt(_median([s['wall'] for s in sk]))}) | "
                f"{_fmt(_median([s['test_loss'] for s in sk]), 4)} | {m} | "
                f"{_fmt(_median([o['test_loss'] for o in ours if o['test_loss'] is not None]), 4)} | "
                f"{w}/{t}/{len(rs) - w - t} ({_wilcoxon(ours, sk)}) | "
                f"{_fmt(_median([o['cpu'] / s['cpu'] for o, s in zip(ours, sk)]))} | "
                f"{_fmt(_median([o['wall'] / s['wall'] for o, s in zip(ours, sk)]))} | "
                f"{_fmt(_median([o['units'] / s['units'] for o, s in zip(ours, sk)]))} |"
            )
    rows = [r for r in all_rows if r["part"] == "D"]
    if rows:
        lines += ["", summarize_d(rows)]
    rows = [r for r in all_rows if r["part"] == "C"]
    if rows:
        lines += ["", "### C. How well a small budget ranks configurations", "",
                  "30 random configurations (seed 123), each evaluated from scratch at every rung budget of "
                  "hpo's halving (eta = 3): Spearman correlation of their validation losses with those at "
                  "the full budget, and the median CPU seconds of one evaluation (as a share of the full "
                  "budget's).", "",
                  "| problem | budgets | Spearman with the full budget | CPU s per evaluation (share of full) |",
                  "|---|---|---|---|"]
        for p in PROBLEMS:
            for r in rows:
                if r["problem"] == p:
                    lines.append(
                        f"| {p} | {r['budgets']} | {', '.join(f'{v:.2f}' for v in r['spearman'][:-1])} | "
                        + ", ".join(f"{c:.3f} ({c / r['cpu'][-1]:.0%})" for c in r["cpu"]) + " |")
    return "\n".join(lines)


def _wtl(ours: list, theirs: list) -> str:
    w = sum(a < b - 1e-12 for a, b in zip(ours, theirs))
    t = sum(abs(a - b) <= 1e-12 for a, b in zip(ours, theirs))
    return f"{w}/{t}/{len(ours) - w - t}"


def summarize_d(rows: list[dict]) -> str:
    """Part D's table: per problem and method, medians over seeds."""
    lines = ["### D. At equal compute against random search (CPU time of its 50 full-budget trials)", "",
             "Per seed, random search's CPU time `T` for 50 full-budget trials is the compute each method gets "
             "(trials that ended after `T` do not count). *best val. loss*: median over seeds of the best "
             "full-budget validation loss within `T` (random: its best of 50); *W/T/L*: seeds where the method's "
             "is lower / equal / higher than random's; *reached*: seeds where a full-budget trial reached random's "
             "best within `T`; *speed-up*: median over seeds of `T` / the method's CPU time to reach it (0 where "
             "it did not), and the same in resource units; *test loss*: median of the refitted best's.", "",
             "| problem | method | best val. loss (random's) | W/T/L val. | reached | CPU speed-up | units speed-up "
             "| test loss (random's) | W/T/L test | full-budget trials |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    problems = [p for p in D_PROBLEMS if any(r["problem"] == p for r in rows)]
    problems += sorted({r["problem"] for r in rows} - set(problems))
    for p in problems:
        rs = [r for r in rows if r["problem"] == p]
        labels = list(dict.fromkeys(m for r in rs for m in r["methods"]))
        rnd_best = [r["random"]["best"] for r in rs]
        rnd_test = [r["random"]["test_loss"] for r in rs]
        for label in labels:
            ms = [r["methods"][label] for r in rs if label in r["methods"]]
            rr = [r for r in rs if label in r["methods"]]
            best = [m["best"] for m in ms]
            tests = [math.inf if m["test_loss"] is None else m["test_loss"] for m in ms]
            speed = [0.0 if m["reached"] is None else r["random"]["cpu"] / max(m["reached"]["cpu"], 1e-12)
                     for m, r in zip(ms, rr)]
            units = [0.0 if m["reached"] is None else r["random"]["units"] / max(m["reached"]["units"], 1e-12)
                     for m, r in zip(ms, rr)]
            lines.append(
                f"| {p} | {label} | {_fmt(_median(best), 4)} ({_fmt(_median(rnd_best), 4)}) | "
                f"{_wtl(best, [r['random']['best'] for r in rr])} | "
                f"{sum(m['reached'] is not None for m in ms)}/{len(ms)} | {_fmt(_median(speed))}x | "
                f"{_fmt(_median(units))}x | {_fmt(_median(tests), 4)} ({_fmt(_median(rnd_test), 4)}) | "
                f"{_wtl(tests, [r['random']['test_loss'] for r in rr])} | {_fmt(_median([m['n_full'] for m in ms]))} |"
            )
    return "\n".join(lines)


def _read_rows(path: str) -> list[dict]:
    """The rows of a results file, each (problem, seed, part) once (the first)."""
    rows, seen = [], set()
    with open(path) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                key = (row["problem"], row["seed"], row["part"])
                if key not in seen:
                    rows.append(row)
                    seen.add(key)
    return rows


def compare_d(before: list[dict], after: list[dict], names: list[str], seeds: int) -> str:
    """Part D before and after a change, on the (problem, seed) pairs both files hold, medians over those seeds.

    Per method: the median over seeds of ``method's best - random's best`` (validation loss, each against the
    random search of its own run: <= 0 is "not worse than random"), W/T/L against random, seeds that reached
    random's best within its CPU time, and the median CPU speed-up (0 where it did not reach it).
    """
    lines = ["| problem | seeds | method | before: median (best - random's) | W/T/L | reached | CPU speed-up "
             "| after: median (best - random's) | W/T/L | reached | CPU speed-up | start budget after (seeds) |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    index = {(r["problem"], r["seed"]): r for r in before if r["part"] == "D"}
    for p in names:
        pairs = [(index[(r["problem"], r["seed"])], r) for r in after
                 if r["part"] == "D" and r["problem"] == p and r["seed"] < seeds and (p, r["seed"]) in index]
        if not pairs:
            continue
        labels = list(dict.fromkeys(m for _, r in pairs for m in r["methods"]))
        for label in labels:
            base = label.partition(":")[0]
            cells = []
            for side in (0, 1):
                rs = [pr[side] for pr in pairs if base in pr[0]["methods"] and label in pr[1]["methods"]]
                ms = [r["methods"][base if side == 0 else label] for r in rs]
                diff = [m["best"] - r["random"]["best"] for m, r in zip(ms, rs)]
                speed = [0.0 if m["reached"] is None else r["random"]["cpu"] / max(m["reached"]["cpu"], 1e-12)
                         for m, r in zip(ms, rs)]
                cells += [f"{_fmt(_median(diff), 4)}", _wtl([m["best"] for m in ms], [r["random"]["best"] for r in rs]),
                          f"{sum(m['reached'] is not None for m in ms)}/{len(ms)}", f"{_fmt(_median(speed))}x"]
            starts = [(r["methods"][label].get("adaptation") or {}).get("start_budget") for _, r in pairs]
            counts = ", ".join(f"{b:g}: {starts.count(b)}" for b in sorted({b for b in starts if b is not None}))
            lines.append(f"| {p} | {len(pairs)} | {label} | " + " | ".join(cells) + f" | {counts} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", default=None, help="default: the suite (parts A-C), D_PROBLEMS (part D)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--random-trials", type=int, default=50)
    parser.add_argument("--cap", type=float, default=1.0,
                        help="hyperband/asha stop after this multiple of random search's total units")
    parser.add_argument("--halving-factor", type=int, default=3,
                        help="in A, halving starts this many times eta**(rungs-1) candidates")
    parser.add_argument("--sklearn-factor", type=int, default=3,
                        help="in B, HalvingRandomSearchCV starts this many times eta**(rungs-1) candidates")
    parser.add_argument("--parts", default="A,B,C",
                        help="A (compute to reach), B (equal time), C (how well small budgets rank), "
                             "D (equal compute against random search; problems default to D_PROBLEMS)")
    parser.add_argument("--log-trials", action="store_true",
                        help="part D: keep each method's trials (rung, entry, bracket, loss, seconds, resumed_from)")
    parser.add_argument("--d-methods", default=",".join(D_METHODS),
                        help="part D's methods: names, with options as name:key=value;key=value")
    parser.add_argument("--out", default="benchmarks/results/multifidelity.jsonl")
    parser.add_argument("--compare", default=None, metavar="BEFORE.jsonl",
                        help="part D: run nothing; print --out's rows against BEFORE's (same problems and seeds)")
    parser.add_argument("--quick", action="store_true", help="3 seeds")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds = min(args.seeds, 3)
    default = D_PROBLEMS if args.parts == "D" else PROBLEMS
    names = [p for p in (args.problems or ",".join(default)).split(",") if p]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    done = set()
    rows = []
    if os.path.exists(args.out):
        with open(args.out) as f:
            for line in f:
                row = json.loads(line)
                if row.get("random_trials", 50) == args.random_trials:
                    key = (row["problem"], row["seed"], row["part"])
                    if key not in done:  # a row run twice counts once (the first)
                        rows.append(row)
                        done.add(key)
    print(f"# bench_multifidelity: {platform.python_version()}, scikit-learn {sklearn.__version__}, "
          f"numpy {np.__version__}, {os.cpu_count()} cores, load {os.getloadavg()}", file=sys.stderr)
    if args.compare:
        print(compare_d(_read_rows(args.compare), rows, names, args.seeds))
        return 0
    parts = {"A": part_a, "B": part_b, "C": lambda name, seed, args: fidelity(name), "D": part_d}
    for part in args.parts.split(","):
        for name in names:
            for seed in range(args.seeds if part != "C" else 1):
                if (name, seed, part) in done:
                    continue
                start = time.time()
                row = parts[part](name, seed, args)
                row["random_trials"] = args.random_trials
                row["seconds"] = time.time() - start
                row["load"] = os.getloadavg()
                rows.append(row)
                with open(args.out, "a") as f:
                    f.write(json.dumps(row) + "\n")
                print(f"{part} {name} seed {seed}: {row['seconds']:.0f} s", file=sys.stderr)
    print(summarize([r for r in rows if r["problem"] in names and r["seed"] < args.seeds]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
