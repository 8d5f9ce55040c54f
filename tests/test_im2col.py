"""im2col/col2im: the Numba kernels equal the NumPy reference, col2im is the adjoint of im2col."""

import importlib

import numpy as np
import pytest

from resnet_np import functional as F
from resnet_np.functional import kernels

# The module, not the function of the same name that resnet_np.functional re-exports.
im2col_module = importlib.import_module("resnet_np.functional.im2col")

CONFIGS = [  # (x shape, kh, kw, stride, padding)
    ((2, 3, 5, 5), 3, 3, 1, 1),
    ((2, 3, 7, 7), 1, 1, 2, 0),
    ((1, 2, 9, 9), 7, 7, 2, 3),
    ((2, 2, 6, 5), 2, 3, (2, 1), (1, 0)),
    ((3, 1, 4, 6), 3, 2, 1, 0),
    ((1, 1, 3, 3), 3, 3, 1, 0),
    # stride 1 with out_w == W: the shifted-plane kernel
    ((1, 2, 6, 4), 5, 5, 1, (1, 2)),  # out_h 4 != H 6
    ((2, 2, 4, 3), 1, 1, 1, 0),  # 1x1: cols is x itself
    ((1, 1, 2, 2), 5, 5, 1, 2),  # the window is larger than the image: shifts leave the plane
    ((1, 2, 3, 7), 1, 3, 1, (0, 1)),
    ((2, 1, 5, 4), 3, 3, 1, (2, 1)),  # out_h 7 > H: whole output rows in the padding
]


@pytest.fixture
def backend():
    previous = F.get_backend()
    yield F.set_backend
    F.set_backend(previous)


@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", CONFIGS)
def test_kernels_equal_reference(x_shape, kh, kw, stride, padding, backend):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    reference_cols = F.im2col_reference(x, kh, kw, stride, padding)
    backend("numba")  # the kernels, compiled or (with NUMBA_DISABLE_JIT=1) as plain Python
    np.testing.assert_array_equal(F.im2col(x, kh, kw, stride, padding), reference_cols)
    cols = rng.standard_normal(reference_cols.shape)
    np.testing.assert_allclose(F.col2im(cols, x_shape, kh, kw, stride, padding),
                               F.col2im_reference(cols, x_shape, kh, kw, stride, padding), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", ["numba", "numpy"])
@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(x_shape, kh, kw, stride, padding, name, backend):
    """<im2col(x), y> = <x, col2im(y)> for random x and y."""
    backend(name)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    cols = F.im2col(x, kh, kw, stride, padding)
    y = rng.standard_normal(cols.shape)
    left, right = np.sum(cols * y), np.sum(x * F.col2im(y, x_shape, kh, kw, stride, padding))
    assert abs(left - right) <= 1e-12 * max(1.0, abs(left))


def test_im2col_layout_is_documented_one():
    """cols[(c*kh + i)*kw + j, (n*out_h + oh)*out_w + ow] = x_padded[n, c, oh*stride + i, ow*stride + j]."""
    x = np.arange(2 * 2 * 4 * 4, dtype=np.float64).reshape(2, 2, 4, 4)
    cols = F.im2col(x, 3, 3, stride=1, padding=1)
    x_padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    n, c, i, j, oh, ow = 1, 1, 2, 0, 3, 2
    assert cols[(c * 3 + i) * 3 + j, (n * 4 + oh) * 4 + ow] == x_padded[n, c, oh + i, ow + j]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype, backend):
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5)).astype(dtype)
    for name in ("numba", "numpy"):
        backend(name)
        cols = F.im2col(x, 3, 3, 1, 1)
        assert cols.dtype == dtype
        assert F.col2im(cols, x.shape, 3, 3, 1, 1).dtype == dtype


def test_im2col_fills_a_preallocated_buffer(backend):
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 5))
    buffer = np.full((27, 50), np.nan)
    for name in ("numba", "numpy"):
        backend(name)
        assert F.im2col(x, 3, 3, 1, 1, out=buffer) is buffer
        np.testing.assert_array_equal(buffer, F.im2col_reference(x, 3, 3, 1, 1))
    with pytest.raises(ValueError, match="out must be"):
        F.im2col(x, 3, 3, 1, 1, out=np.empty((27, 49)))


def test_backend_choice(monkeypatch):
    with pytest.raises(ValueError, match="numba"):
        F.set_backend("cuda")
    monkeypatch.delenv("RESNET_NP_BACKEND", raising=False)
    # Compiled kernels when they really compile; the vectorised reference when they would run as Python.
    assert im2col_module._default_backend() == ("numba" if kernels.jit_enabled() else "numpy")
    monkeypatch.setenv("RESNET_NP_BACKEND", "numpy")
    assert im2col_module._default_backend() == "numpy"


@pytest.mark.parametrize("call, message", [
    (lambda: F.im2col(np.zeros((3, 5, 5)), 3, 3), "4-D"),
    (lambda: F.im2col(np.zeros((1, 1, 2, 2)), 3, 3), "larger than the padded input"),
    (lambda: F.im2col(np.zeros((1, 1, 5, 5)), 3, 3, stride=0), "stride"),
    (lambda: F.im2col(np.zeros((1, 1, 5, 5), dtype=np.int64), 3, 3), "floating-point"),
    (lambda: F.col2im(np.zeros((9, 24)), (1, 1, 5, 5), 3, 3), r"cols must have shape \(9, 9\)"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()
