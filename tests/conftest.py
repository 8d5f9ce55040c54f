import numba
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from resnet_np import runtime
from resnet_np.fast.jit import jit_enabled as fast_jit_enabled


@pytest.fixture(autouse=True, scope="session")
def _single_threaded():
    """Tests use small arrays, where threads cost more than they save (on 2 busy cores, 10x slower). One thread
    gives the same results (tests/test_parallel.py checks that); speed is measured by the benchmarks, not here."""
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    with threadpool_limits(limits=1), runtime.using(threads=1):
        yield
    numba.set_num_threads(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(params=["reference", "fast"])
def ops(request):
    """Each backend's ops in turn: the reference maths (resnet_np.functional), then the engine (resnet_np.fast)."""
    from resnet_np import fast, functional

    return {"reference": functional, "fast": fast}[request.param]


# Whole networks on the engine only where its kernels are compiled: under NUMBA_DISABLE_JIT=1 they run as plain
# Python, ~1000x slower, and the op-level tests (test_backends.py, test_engine.py, ...) check them on small inputs.
WHOLE_NETWORK_BACKENDS = ["reference", "fast"] if fast_jit_enabled() else ["reference"]


@pytest.fixture(params=WHOLE_NETWORK_BACKENDS)
def each_backend(request):
    """Run the test once with the layers on the reference maths, once on the engine (when compiled)."""
    with runtime.using(backend=request.param):
        yield request.param
