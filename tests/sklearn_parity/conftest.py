"""One BLAS/OpenMP thread per test process: the parity facts do not depend on threads, and on a
busy machine a threaded fit of a few rows (HistGradientBoosting, KMeans, lbfgs) can take a second."""

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def _one_thread():
    with threadpool_limits(limits=1):
        yield
