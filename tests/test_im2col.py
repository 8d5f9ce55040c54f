"""im2col/col2im: the engine's Numba kernels equal the NumPy reference, col2im is the adjoint of im2col."""

import numpy as np
import pytest

from resnet_np import fast
from resnet_np import functional as F
from resnet_np.fast import im2col_kernels

BOTH = pytest.mark.parametrize("ops", [F, fast], ids=["reference", "fast"])

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


@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", CONFIGS)
def test_kernels_equal_reference(x_shape, kh, kw, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape)
    reference_cols = F.im2col(x, kh, kw, stride, padding)
    # the kernels, compiled or (with NUMBA_DISABLE_JIT=1) as plain Python
    np.testing.assert_array_equal(fast.im2col(x, kh, kw, stride, padding), reference_cols)
    cols = rng.standard_normal(reference_cols.shape)
    np.testing.assert_allclose(fast.col2im(cols, x_shape, kh, kw, stride, padding),
                               F.col2im(cols, x_shape, kh, kw, stride, padding), rtol=1e-13, atol=1e-13)


KERNELS = [  # (im2col kernel, col2im kernel): the general pair, and the small-plane pair im2col.py picks at <= 8x8
    (im2col_kernels.im2col_kernel, im2col_kernels.col2im_kernel),
    (im2col_kernels.im2col_small_plane_kernel, im2col_kernels.col2im_small_plane_kernel),
]


@pytest.mark.parametrize("kernels", KERNELS, ids=["general", "small plane"])
@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", CONFIGS + [((2, 3, 20, 18), 3, 3, 2, 1)])
def test_each_kernel_pair_equals_the_reference_whatever_im2col_py_picks(kernels, x_shape, kh, kw, stride, padding):
    im2col_kernel, col2im_kernel = kernels
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    geometry = F.window_geometry("test", x_shape, kh, kw, stride, padding)
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    reference_cols = F.im2col(x, kh, kw, stride, padding)
    cols = np.full(reference_cols.shape, np.nan)
    im2col_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, cols)
    np.testing.assert_array_equal(cols, reference_cols)
    upstream = rng.standard_normal(reference_cols.shape)
    dx = np.full(x_shape, np.nan)
    col2im_kernel(upstream, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, dx)
    np.testing.assert_allclose(dx, F.col2im(upstream, x_shape, kh, kw, stride, padding), rtol=1e-13, atol=1e-13)


@BOTH
@pytest.mark.parametrize("x_shape, kh, kw, stride, padding", CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(x_shape, kh, kw, stride, padding, ops):
    """<im2col(x), y> = <x, col2im(y)> for random x and y."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(x_shape)
    cols = ops.im2col(x, kh, kw, stride, padding)
    y = rng.standard_normal(cols.shape)
    left, right = np.sum(cols * y), np.sum(x * ops.col2im(y, x_shape, kh, kw, stride, padding))
    assert abs(left - right) <= 1e-12 * max(1.0, abs(left))


@BOTH
def test_im2col_layout_is_documented_one(ops):
    """cols[(c*kh + i)*kw + j, (n*out_h + oh)*out_w + ow] = x_padded[n, c, oh*stride + i, ow*stride + j]."""
    x = np.arange(2 * 2 * 4 * 4, dtype=np.float64).reshape(2, 2, 4, 4)
    cols = ops.im2col(x, 3, 3, stride=1, padding=1)
    x_padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    n, c, i, j, oh, ow = 1, 1, 2, 0, 3, 2
    assert cols[(c * 3 + i) * 3 + j, (n * 4 + oh) * 4 + ow] == x_padded[n, c, oh + i, ow + j]


@BOTH
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved(dtype, ops):
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5)).astype(dtype)
    cols = ops.im2col(x, 3, 3, 1, 1)
    assert cols.dtype == dtype
    assert ops.col2im(cols, x.shape, 3, 3, 1, 1).dtype == dtype


def test_the_engine_fills_a_preallocated_buffer():
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 5))
    buffer = np.full((27, 50), np.nan)
    assert fast.im2col(x, 3, 3, 1, 1, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, F.im2col(x, 3, 3, 1, 1))
    with pytest.raises(ValueError, match="out must be"):
        fast.im2col(x, 3, 3, 1, 1, out=np.empty((27, 49)))


@BOTH
@pytest.mark.parametrize("call, message", [
    (lambda ops: ops.im2col(np.zeros((3, 5, 5)), 3, 3), "4-D"),
    (lambda ops: ops.im2col(np.zeros((1, 1, 2, 2)), 3, 3), "larger than the padded input"),
    (lambda ops: ops.im2col(np.zeros((1, 1, 5, 5)), 3, 3, stride=0), "stride"),
    (lambda ops: ops.im2col(np.zeros((1, 1, 5, 5), dtype=np.int64), 3, 3), "floating-point"),
    (lambda ops: ops.col2im(np.zeros((9, 24)), (1, 1, 5, 5), 3, 3), r"cols must have shape \(9, 9\)"),
])
def test_bad_input(call, message, ops):
    with pytest.raises(ValueError, match=message):
        call(ops)
