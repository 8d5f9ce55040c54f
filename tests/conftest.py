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


_notebook_runs = []  # tests/test_notebooks.py's BackgroundRuns, once this session has started it


def pytest_collection_finish(session):
    """Start the study notebooks' runs (tests/test_notebooks.py) in the background as soon as the session knows
    which it selected: they use the second core while the tests run on one thread (above)."""
    notebook_tests = [item for item in session.items
                      if getattr(item, "originalname", None) == "test_notebook_runs_top_to_bottom"]
    if notebook_tests and not session.config.option.collectonly:
        background_runs = notebook_tests[0].module.BackgroundRuns
        background_runs.start(notebook_tests)
        _notebook_runs.append(background_runs)


def pytest_sessionfinish(session):
    """Cancel the notebooks' runs still going (a session stopped early) and shut their kernels down."""
    while _notebook_runs:
        background_runs = _notebook_runs.pop()
        if background_runs.running is not None:
            background_runs.running.stop()


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


# Finite differences through a module on the engine re-check what two cheaper tests show together: the reference's
# gradients match finite differences, and the engine's output and gradients are the reference's to rounding
# (engine_against_reference). That re-check is a second run: CI's longer tier runs it (`-m slow`).
FINITE_DIFFERENCE_BACKENDS = [pytest.param(backend, marks=[pytest.mark.slow] if backend == "fast" else [])
                              for backend in WHOLE_NETWORK_BACKENDS]


def engine_against_reference(build, x, seed=3):
    """{array name: relative error, engine vs reference} of one forward and backward of a module build() makes
    (the same on each call), on each backend, with one random upstream gradient: the output, dL/dx and every
    parameter gradient."""
    from resnet_np.gradcheck import relative_error

    arrays = {}
    for backend in ("reference", "fast"):
        with runtime.using(backend=backend):
            module = build()
            out = module(x)
            dx = module.backward(np.random.default_rng(seed).standard_normal(out.shape))
            arrays[backend] = {"output": out, "x": dx} | {name: parameter.grad.copy()
                                                          for name, parameter in module.named_parameters()}
    assert list(arrays["fast"]) == list(arrays["reference"])
    return {name: relative_error(arrays["fast"][name], arrays["reference"][name]) for name in arrays["reference"]}
