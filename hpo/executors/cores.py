"""How many workers and threads: ``n_jobs`` as scikit-learn reads it, the cores shared out among workers, and
:func:`limit_threads`, the one way hpo limits the BLAS and OpenMP threads of a process (its thread-pool workers,
the Bayesian model's small matrices, the benchmark objectives and peers)."""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

from .._constraints import Options, Satisfies, check_options

__all__ = ["effective_n_jobs", "limit_threads", "N_JOBS", "BACKEND"]

#: What ``n_jobs`` accepts (scikit-learn's reading: None is 1, -1 all cores, -2 all but one).
N_JOBS = [Satisfies(lambda v: isinstance(v, int) and not isinstance(v, bool) and v != 0, "a non-zero int"), None]
#: Where ``n_jobs > 1`` evaluations run.
BACKEND = [Options(("processes", "threads"))]
_constraints = {"n_jobs": N_JOBS, "backend": BACKEND}

#: The variables that limit the OpenMP and BLAS threads of a process (the ones joblib sets in its workers).
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def effective_n_jobs(n_jobs: int | None) -> int:
    """``n_jobs`` as scikit-learn reads it: None is 1, -1 all cores, -2 all but one."""
    check_options(_constraints, n_jobs=n_jobs)
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, _cores() + 1 + n_jobs)
    return n_jobs


def _cores() -> int:
    """The cores this process may use (CPU affinity and cgroup quotas counted, as joblib counts them)."""
    from joblib import cpu_count

    return max(1, cpu_count())


def _shared_cores(n_workers: int) -> int:
    """The cores shared out among ``n_workers`` parallel workers, at least 1 each."""
    return max(1, _cores() // n_workers)


def _omp_threads(env: Any) -> int | None:
    """The ``OMP_NUM_THREADS`` of an environment, if it is a positive int."""
    given = str(env.get("OMP_NUM_THREADS", "")).strip()
    return int(given) if given.isdigit() and int(given) > 0 else None


def _inner_threads(n_workers: int) -> int:
    """The OpenMP and BLAS threads each of ``n_workers`` parallel workers may use.

    The user's ``OMP_NUM_THREADS`` when it is set, else the cores shared out
    among the workers: so that workers x threads do not exceed the cores, as
    joblib caps the workers of scikit-learn's searches.
    """
    return _omp_threads(os.environ) or _shared_cores(n_workers)


def _thread_env(n_workers: int) -> dict[str, str]:
    """The thread variables of a worker process: the cores shared out, except those the user set already (as joblib)."""
    threads = str(_shared_cores(n_workers))
    return {var: os.environ.get(var, threads) for var in _THREAD_VARS}


def limit_threads(limits: int, user_api: str | None = None) -> Any:
    """Limit this process's BLAS and OpenMP thread pools to ``limits`` threads, at once, until restored.

    Parameters
    ----------
    limits : int
    user_api : {"blas", "openmp"} or None
        Which pools; None: both. OpenMP's limit holds for the calling thread
        only (a thread pool's initializer sets it in each of its threads);
        BLAS's for the whole process.

    Returns
    -------
    threadpoolctl's limiter: a context manager (``with limit_threads(1):``)
    whose ``restore_original_limits()`` also undoes it.

    The libraries are listed again only when modules were imported since the
    last call (listing them costs milliseconds; an objective limited on every
    call, or a Bayesian proposal, would pay it each time).
    """
    return _controller(len(sys.modules)).limit(limits=limits, user_api=user_api)


@functools.lru_cache(maxsize=1)
def _controller(n_modules: int) -> Any:
    """threadpoolctl's view of the loaded thread pools, made again when ``n_modules`` changes (a new import may
    have loaded a library with a pool of its own)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _limit_openmp(threads: int) -> None:
    """Limit the OpenMP threads of the calling thread (a thread pool's initializer)."""
    limit_threads(threads, "openmp")
