"""Cost of one evaluation of each task of the ``bayesmark`` suite (issue 21): cost only, no strategy.

For every task of :data:`hpo.benchmarking.bayesmark_tasks.SUITE`, ``--configs``
random configurations (the space's own sampler) per seed, for each of
``--seeds`` seeds, are evaluated at the full budget (5 CV fits and scores on
one thread); the figure is the median CPU seconds of one evaluation per seed
(:func:`hpo.benchmarking.sklearn_tasks.measure_eval_seconds`: CPU time, so a
busy machine does not inflate it), then the suite's median over tasks.

    python benchmarks/bench_bayesmark_cost.py              # 5 configurations x seeds 0, 1
    python benchmarks/bench_bayesmark_cost.py --configs 7 --seeds 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics

import sklearn

from hpo.benchmarking.bayesmark_tasks import SUITE
from hpo.benchmarking.sklearn_tasks import measure_eval_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=5, help="random configurations per seed and task")
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1")
    args = parser.parse_args()
    per_seed = [measure_eval_seconds(SUITE, args.configs, seed=seed) for seed in range(args.seeds)]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, scikit-learn "
          f"{sklearn.__version__}, load average {os.getloadavg()[0]:.2f}")
    print(f"| task | {' | '.join(f'seed {s}' for s in range(args.seeds))} | median |")
    print("|---|" + "---:|" * (args.seeds + 1))
    medians = []
    for name in SUITE:
        values = [times[name] for times in per_seed]
        medians.append(statistics.median(values))
        print(f"| `{name}` | " + " | ".join(f"{v:.3f}" for v in values) + f" | {medians[-1]:.3f} |")
    print(f"\nsuite median {statistics.median(medians):.3f} s, mean {statistics.fmean(medians):.3f} s, "
          f"max {max(medians):.3f} s per evaluation ({len(SUITE)} tasks)")


if __name__ == "__main__":
    main()
