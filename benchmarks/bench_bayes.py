"""Cost of one Bayesian-optimization suggestion (model fit plus acquisition) against the peers.

For a 6-dimensional space (Hartmann-6's box) and ``n`` observations already
told, times one suggestion of:

- hpo's ``"bayes"``: ``ask(1)`` after ``n`` trials were told (the model is fitted
  inside ``ask``);
- scikit-optimize's ``Optimizer`` (GP, its defaults): ``tell`` of the n-th point
  (skopt fits the GP and optimizes the acquisition in ``tell``) plus ``ask``;
- Optuna's ``GPSampler``: ``study.ask()`` with ``n`` finished trials in an
  in-memory study (the sampler fits in ``ask``);
- BoTorch's defaults (``botorch_logei``, :class:`hpo.benchmarking.peers.BotorchStrategy`:
  ``SingleTaskGP``, ``fit_gpytorch_mll``, ``LogExpectedImprovement`` maximized by
  ``optimize_acqf`` with 10 restarts and 512 raw samples): ``ask(1)``, which
  builds and fits a new model every time, as BoTorch's tutorials do.

Every optimizer is timed in the state of a running search: it is told
``n - 1`` uniform points and their Hartmann-6 values (the same for everyone),
makes one suggestion that is evaluated and told (so that each can warm-start
its next fit from this one, as hpo, scikit-optimize and Optuna do in a
search), and the suggestion
after that is timed. Each figure is the median over ``--repeats`` suggestions;
the ratios peer / hpo are computed in the same run. A peer that is not
installed is left out; ``--max-peer-n`` skips the peers above that size
(scikit-optimize takes minutes at 1,000 observations).

Usage::

    python benchmarks/bench_bayes.py                      # n = 50 100 200 500 1000, 3 repeats
    python benchmarks/bench_bayes.py --sizes 50 100 --repeats 5
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
import warnings

import numpy as np

from hpo.benchmarking import make_problem
from hpo.strategies.bayes import BayesianOptimization
from hpo.trial import Candidate, Trial


def _data(n: int, seed: int):
    problem = make_problem("hartmann6")
    configs = problem.space.sample(n, seed=seed)
    return problem, configs, [problem.objective(c, None) for c in configs]


def time_hpo(n: int, seed: int, cls=BayesianOptimization) -> float:
    problem, configs, values = _data(n - 1, seed)
    strategy = cls(problem.space, seed=seed)
    for i, (c, v) in enumerate(zip(configs, values)):
        cand = Candidate(c, None, i)
        strategy.pending[i] = cand
        strategy._n_asked += 1
        strategy.tell(Trial(number=i, candidate=cand, status="ok", value=v, loss=v))
    # the n-th observation is the strategy's own suggestion, as in a running search
    (cand,) = strategy.ask(1)
    v = problem.objective(cand.config, None)
    strategy.tell(Trial(number=n - 1, candidate=cand, status="ok", value=v, loss=v))
    start = time.perf_counter()
    strategy.ask(1)
    return time.perf_counter() - start


def time_skopt(n: int, seed: int) -> float:
    from skopt import Optimizer

    problem, configs, values = _data(n - 1, seed)
    names = problem.space.names
    dims = [(problem.space[k].low, problem.space[k].high) for k in names]
    opt = Optimizer(dims, base_estimator="GP", random_state=seed, n_initial_points=1)
    opt.tell([[c[k] for k in names] for c in configs], values)
    x = opt.ask()
    v = problem.objective(dict(zip(names, x)), None)
    start = time.perf_counter()
    opt.tell(x, v)  # scikit-optimize fits the GP and optimizes the acquisition in tell
    opt.ask()
    return time.perf_counter() - start


def time_optuna_gp(n: int, seed: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem, configs, values = _data(n - 1, seed)
    dists = {k: optuna.distributions.FloatDistribution(problem.space[k].low, problem.space[k].high)
             for k in problem.space.names}
    study = optuna.create_study(sampler=optuna.samplers.GPSampler(seed=seed))
    study.add_trials([optuna.trial.create_trial(params=c, distributions=dists, value=v)
                      for c, v in zip(configs, values)])

    def suggest():
        trial = study.ask()
        return trial, {k: trial._suggest(k, d) for k, d in dists.items()}

    trial, config = suggest()  # the sampler caches its kernel parameters for the next fit
    study.tell(trial, problem.objective(config, None))
    start = time.perf_counter()
    suggest()
    return time.perf_counter() - start


def time_botorch(n: int, seed: int) -> float:
    from hpo.benchmarking.peers import BotorchStrategy

    return time_hpo(n, seed, cls=BotorchStrategy)


PEERS = {"skopt_gp": time_skopt, "optuna_gp": time_optuna_gp, "botorch_logei": time_botorch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 500, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-peer-n", type=int, default=500)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    logging.getLogger("optuna").setLevel(logging.WARNING)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; median of {args.repeats} suggestions, d = 6")
    header = "| n | hpo bayes (s) | " + " | ".join(f"{p} (s) | {p} / hpo" for p in PEERS) + " |"
    print(header)
    print("|" + "---|" * (2 + 2 * len(PEERS)))
    for n in args.sizes:
        ours = statistics.median(time_hpo(n, r) for r in range(args.repeats))
        cells = [f"{n}", f"{ours:.3f}"]
        for name, fn in PEERS.items():
            if n > args.max_peer_n:
                cells += ["-", "-"]
                continue
            try:
                t = statistics.median(fn(n, r) for r in range(args.repeats))
                cells += [f"{t:.3f}", f"{t / ours:.1f}x"]
            except ImportError:
                cells += ["not installed", "-"]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
