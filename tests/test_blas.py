"""fast/blas.py: NumPy's own OpenBLAS, called from compiled kernels, computes the products np.matmul does."""

import numpy as np
import pytest

from resnet_np.backend import ops
from resnet_np.fast import blas
from resnet_np.fast.jit import jit_enabled

pytestmark = pytest.mark.skipif(not jit_enabled(), reason="NUMBA_DISABLE_JIT=1: numpy_gemm is None and the engine "
                                "calls np.matmul (test_conv_channels_last.py runs that path in both modes)")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_gemm_finds_the_openblas_numpy_uses(dtype):
    from threadpoolctl import threadpool_info

    ops()  # the engine's one-BLAS-thread setting
    found = blas.numpy_gemm(dtype)
    assert found is not None and found[1] in (32, 64)
    numpy_blas = [library for library in threadpool_info() if library["internal_api"] == "openblas"
                  and "numpy" in library["filepath"]]
    assert numpy_blas and all(library["num_threads"] == 1 for library in numpy_blas)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_computes_what_matmul_does(dtype, transpose_a, accumulate):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((37, 11) if transpose_a else (11, 37)).astype(dtype)  # op(a) is (11, 37)
    b = rng.standard_normal((37, 5)).astype(dtype)
    before = rng.standard_normal((11, 5)).astype(dtype)
    c = before.copy() if accumulate else np.full((11, 5), np.nan, dtype=dtype)  # without accumulate c is not read
    blas.gemm(*blas.numpy_gemm(dtype), transpose_a, accumulate, a, b, c)
    expected = (a.T if transpose_a else a) @ b + (before if accumulate else 0)
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expected, rtol=tolerance, atol=tolerance)


def test_numpy_gemm_is_none_for_a_dtype_without_a_gemm():
    assert blas.numpy_gemm(np.int32) is None


def test_gemm_refuses_shapes_that_do_not_fit_rather_than_write_past_c():
    a, b = np.ones((4, 3), np.float32), np.ones((3, 2), np.float32)
    with pytest.raises(ValueError, match="gemm: the shapes"):
        blas.gemm(*blas.numpy_gemm(np.float32), False, False, a, b, np.empty((4, 3), np.float32))
    with pytest.raises(ValueError, match="gemm: the shapes"):
        blas.gemm(*blas.numpy_gemm(np.float32), True, False, a, b, np.empty((4, 2), np.float32))
