import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _single_threaded():
    """Tests use small arrays, where BLAS and Numba threads cost more than they save (on 2 busy cores, 10x slower).
    One thread gives the same results; speed is measured by the benchmarks, not here."""
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    numba.set_num_threads(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
