"""A durable search: stored as it runs, resumed after a stop, optionally spread over a Dask cluster.

Run it twice: the second run continues the first (kill it with Ctrl-C or
``kill -9`` in between: no finished trial is lost). Several copies started at
once share the study. Then look at it with the CLI::

    python examples/durable_study.py                 # 40 trials in results.db, study "svc-digits"
    python examples/durable_study.py --trials 80     # resumes: 40 more
    python examples/durable_study.py --dask          # the same, on a local Dask cluster of 2 workers
    python examples/durable_study.py --dask tcp://scheduler:8786   # on a real cluster
    hpo studies results.db
    hpo show results.db svc-digits
    hpo export results.db svc-digits --format csv --out trials.csv
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import hpo
from hpo import Float, Space

X, y = load_digits(return_X_y=True)
SPACE = Space(C=Float(1e-2, 1e3, log=True), gamma=Float(1e-5, 1e-1, log=True))


def objective(config: dict) -> float:
    """3-fold CV error of an SVC on digits (maximize accuracy = minimize its negative)."""
    return -cross_val_score(SVC(**config), X, y, cv=3).mean()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40, help="the study's total number of trials")
    parser.add_argument("--db", default="results.db", help="the SQLite storage (created if missing)")
    parser.add_argument("--study", default="svc-digits")
    parser.add_argument("--dask", nargs="?", const="local", default=None,
                        help="run on Dask: a scheduler address, or nothing for a local cluster of 2 workers")
    args = parser.parse_args()

    executor, cluster = None, None
    if args.dask is not None:
        from distributed import Client, LocalCluster

        if args.dask == "local":
            cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
            executor = Client(cluster)
        else:
            executor = Client(args.dask)  # e.g. tcp://scheduler:8786
    try:
        result = hpo.optimize(
            objective, SPACE, "sobol", n_trials=args.trials, seed=0,
            storage=args.db, study=args.study,   # durable: resumes where it stopped
            trial_timeout=60,                    # a fit stuck for a minute fails, the search goes on
            executor=executor, progress=True,
        )
    finally:
        if executor is not None:
            executor.close()
        if cluster is not None:
            cluster.close()
    print(f"{len(result)} trials in study {args.study!r} of {args.db}; best accuracy {-result.best_value:.4f} "
          f"with {result.best_config}")


if __name__ == "__main__":
    main()
