"""The report of a benchmark directory at fewer evaluations than its runs, from the runs' first trials.

``hpo bench report DIR --trials N`` reports runs *of* N trials only. Neither
random search nor coarse-to-fine (without its ``n_trials`` option, as the
benchmark runs it) knows how long its run is, so the first N trials of a
longer run are exactly the trials of an N-trial run (checked on
``c2f_synthetic`` against ``c2f_synthetic_50``: identical best-so-far
curves). This script cuts the stored curves at N and writes
``DIR/report_N.md`` with the same tables. Test losses are left out (they
belong to the longer runs' final best); wall and overhead seconds are those
of the whole runs.

Run: python benchmarks/results/c2f_sklearn/prefix_report.py DIR N
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace

from hpo.benchmarking.report import problem_table, summarize, summary_table
from hpo.benchmarking.store import RunStore


def main(out_dir: str, n: int) -> str:
    with RunStore(os.path.join(out_dir, "runs.db")) as store:
        full = summarize(store)
    if n > full.n_trials:
        raise SystemExit(f"{out_dir} holds runs of {full.n_trials} trials, fewer than {n}")
    s = replace(full, n_trials=n, curves={k: v[:, :n] for k, v in full.curves.items()}, test_losses={})
    parts = [f"# hpo benchmark: the first {n} of {full.n_trials} evaluations per run", "",
             f"(`{' '.join(sys.argv)}`; test losses left out, wall and overhead of the whole runs)", "",
             "## Summary", "", summary_table(s), "", "## Per problem", ""]
    for p in s.problems:
        parts += [f"### {p}", "", problem_table(s, p), ""]
    text = "\n".join(parts)
    with open(os.path.join(out_dir, f"report_{n}.md"), "w") as f:
        f.write(text)
    return text


if __name__ == "__main__":
    print(main(sys.argv[1], int(sys.argv[2])))
