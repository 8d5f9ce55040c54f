"""The engine (resnet_np.fast) equals the reference maths (resnet_np.functional): fused BatchNorm kernels, conv
with scratch buffers, the col2im and layout kernels, max pooling with ties, ReLU's edge cases.

tests/test_backends.py compares every op of the two on the same inputs; this file tests the engine's own parts.
Run with the kernels compiled and with NUMBA_DISABLE_JIT=1 (then they run as plain Python on these small shapes).
"""


import numpy as np
import pytest

from resnet_np import fast
from resnet_np import functional as F
from resnet_np.fast import chunks, im2col_kernels, workspace

TOLERANCE = {np.float32: 2e-5, np.float64: 1e-12}


def _batchnorm_inputs(dtype, seed=0, shape=(3, 4, 5, 6)):
    rng = np.random.default_rng(seed)
    channels = shape[1]
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    gamma, beta = rng.standard_normal(channels).astype(dtype), rng.standard_normal(channels).astype(dtype)
    running_mean, running_var = rng.standard_normal(channels).astype(dtype), rng.uniform(0.5, 2, channels).astype(dtype)
    return x, gamma, beta, running_mean, running_var, rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
def test_fused_batchnorm_equals_reference(dtype, training):
    x, gamma, beta, mean, var, dout = _batchnorm_inputs(dtype)
    fused_mean, fused_var = mean.copy(), var.copy()
    out, cache = fast.batchnorm2d_forward(x, gamma, beta, fused_mean, fused_var, training)
    ref_out, ref_cache = F.batchnorm2d_forward(x, gamma, beta, mean, var, training)
    tolerance = TOLERANCE[dtype]
    for fused, reference in [(out, ref_out), (cache.x_hat, ref_cache.x_hat), (cache.inv_std, ref_cache.inv_std),
                             (fused_mean, mean), (fused_var, var)]:
        assert fused.dtype == dtype
        np.testing.assert_allclose(fused, reference, rtol=tolerance, atol=tolerance)
    grads = fast.batchnorm2d_backward(dout, cache)
    ref_grads = F.batchnorm2d_backward(dout, ref_cache)
    for fused, reference in zip(grads, ref_grads, strict=True):
        assert fused.dtype == dtype
        np.testing.assert_allclose(fused, reference, rtol=tolerance, atol=tolerance * 10)


def test_fused_batchnorm_leaves_dout_alone_and_keeps_nan():
    x, gamma, beta, mean, var, dout = _batchnorm_inputs(np.float64, seed=1)
    x[0, 1, 2, 3] = np.nan
    out, cache = fast.batchnorm2d_forward(x, gamma, beta, mean, var)
    assert np.isnan(out[:, 1]).all() and np.isfinite(out[:, 0]).all()  # NaN spreads through its channel only
    before = dout.copy()
    fast.batchnorm2d_backward(dout, cache)
    np.testing.assert_array_equal(dout, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 5, 7), (2, 3, 1024), (1, 4, 1), (4, 1, 6)])  # 1024 float32: 4 KiB runs
def test_swap_leading_axes_kernel_equals_numpy_transpose(dtype, shape):
    source = np.random.default_rng(8).standard_normal(shape).astype(dtype)
    destination = np.full((shape[1], shape[0], shape[2]), np.nan, dtype)
    im2col_kernels.swap_leading_axes_kernel(source, destination)
    np.testing.assert_array_equal(destination, source.transpose(1, 0, 2))


def test_conv_outputs_and_gradients_do_not_share_scratch_memory():
    """Two layers of one shape use the same scratch buffers; neither's results may change when the other runs."""
    rng = np.random.default_rng(5)
    x, w1, w2 = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((3, 3, 3, 3)), rng.standard_normal((3, 3, 3, 3))
    out1, cache1 = fast.conv2d_forward(x, w1, None, 1, 1)
    saved = out1.copy()
    out2, cache2 = fast.conv2d_forward(x, w2, None, 1, 1)
    np.testing.assert_array_equal(out1, saved)
    dout = rng.standard_normal(out1.shape)
    dx1, dw1, _ = fast.conv2d_backward(dout, cache1)
    saved_grads = dx1.copy(), dw1.copy()
    fast.conv2d_backward(dout, cache2)
    np.testing.assert_array_equal(dx1, saved_grads[0])
    np.testing.assert_array_equal(dw1, saved_grads[1])
    assert workspace.nbytes() > 0


def test_scratch_reuses_and_grows_its_buffer():
    workspace.release()
    small = workspace.scratch("test", (2, 3), np.float32)
    again = workspace.scratch("test", (3, 2), np.float32)
    assert np.shares_memory(small, again) and again.shape == (3, 2) and again.dtype == np.float32
    big = workspace.scratch("test", (100, 100), np.float64)
    assert big.shape == (100, 100) and big.flags.c_contiguous
    workspace.release()
    assert workspace.nbytes() == 0


def test_col2im_kernels_ignore_what_dx_held():
    rng = np.random.default_rng(6)
    cols = rng.standard_normal((27, 2 * 25))
    expected = F.col2im(cols, (2, 3, 5, 5), 3, 3, 1, 1)
    dx = np.full((2, 3, 5, 5), np.nan)
    im2col_kernels.col2im_kernel(cols, 3, 3, 1, 1, 1, 1, 5, 5, dx)
    np.testing.assert_allclose(dx, expected, rtol=1e-13, atol=1e-13)
    dx[...] = np.nan
    im2col_kernels.col2im_shifted_plane_kernel(cols, 3, 3, 1, 1, 5, 5, dx)
    np.testing.assert_allclose(dx, expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("x_shape, kh, kw, pad_h, pad_w", [
    ((2, 3, 6, 6), 3, 3, 1, 1), ((1, 2, 7, 5), 5, 3, 2, 1), ((2, 2, 4, 4), 1, 1, 0, 0), ((1, 1, 3, 3), 7, 7, 3, 3),
])
def test_shifted_plane_kernels_equal_the_general_ones_bit_for_bit(x_shape, kh, kw, pad_h, pad_w):
    """The stride-1, same-width kernels are a faster indexing of the same copies and the same sums."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal(x_shape).astype(np.float32)
    n, channels, height, width = x_shape
    out_h = height + 2 * pad_h - kh + 1
    shape = (channels * kh * kw, n * out_h * width)
    general, shifted = np.full(shape, np.nan, np.float32), np.full(shape, np.nan, np.float32)
    im2col_kernels.im2col_kernel(x, kh, kw, 1, 1, pad_h, pad_w, out_h, width, general)
    im2col_kernels.im2col_shifted_plane_kernel(x, kh, kw, pad_h, pad_w, out_h, width, shifted)
    np.testing.assert_array_equal(shifted, general)
    cols = rng.standard_normal(shape).astype(np.float32)
    dx_general, dx_shifted = np.empty_like(x), np.empty_like(x)
    im2col_kernels.col2im_kernel(cols, kh, kw, 1, 1, pad_h, pad_w, out_h, width, dx_general)
    im2col_kernels.col2im_shifted_plane_kernel(cols, kh, kw, pad_h, pad_w, out_h, width, dx_shifted)
    np.testing.assert_array_equal(dx_shifted, dx_general)


def test_float64_upstream_on_float32_layers_matches_the_reference():
    """gradcheck feeds a float64 upstream gradient to float32 ops: the fast paths promote like NumPy does."""
    x, gamma, beta, mean, var, dout = _batchnorm_inputs(np.float32, seed=7)
    dout = dout.astype(np.float64)
    _, cache = fast.batchnorm2d_forward(x, gamma, beta, mean.copy(), var.copy())
    for engine, reference in zip(fast.batchnorm2d_backward(dout, cache), F.batchnorm2d_backward(dout, cache),
                                 strict=True):
        assert engine.dtype == reference.dtype == np.float64
        np.testing.assert_allclose(engine, reference, rtol=1e-12)
    w = np.random.default_rng(8).standard_normal((2, 4, 3, 3)).astype(np.float32)
    out, conv_cache = fast.conv2d_forward(x, w, None, 1, 1)
    dx, dw, _ = fast.conv2d_backward(np.ones(out.shape), conv_cache)
    assert dx.dtype == dw.dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape, kernel, stride, padding", [
    ((3, 2, 9, 8), 3, 2, 1), ((2, 3, 6, 6), 2, 2, 0), ((2, 2, 7, 5), 3, 1, 1), ((1, 1, 5, 5), (3, 2), (2, 1), (1, 0)),
])
def test_maxpool_kernels_equal_the_reference(monkeypatch, x_shape, kernel, stride, padding, dtype):
    """Same maxima, same winners (ties included), same gradients; chunks of one image each."""
    monkeypatch.setattr(chunks, "VALUES_PER_CHUNK", 1)
    monkeypatch.setattr(chunks, "MIN_VALUES_PER_CHUNK", 0)
    rng = np.random.default_rng(9)
    x = rng.integers(-3, 4, x_shape).astype(dtype)  # small integers: many ties inside a window
    x[0, 0, 0, :2] = -np.inf  # a window may hold nothing but -inf and padding
    out, cache = fast.maxpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape).astype(dtype)
    dx = fast.maxpool2d_backward(dout, cache)
    expected_out, expected_cache = F.maxpool2d_forward(x, kernel, stride, padding)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(cache.argmax_flat, expected_cache.argmax_flat)
    assert cache.padded_shape == expected_cache.padded_shape and out.dtype == dx.dtype == dtype
    np.testing.assert_allclose(dx, F.maxpool2d_backward(dout, expected_cache), rtol=1e-6, atol=1e-6)


def test_maxpool_kernel_lets_nan_win_as_numpy_argmax_does():
    x = np.array([[[[1.0, np.nan], [5.0, 2.0]]]])
    out, cache = fast.maxpool2d_forward(x, 2, 2, 0)
    expected_out, expected_cache = F.maxpool2d_forward(x, 2, 2, 0)
    assert np.isnan(out).all() and np.isnan(expected_out).all()
    np.testing.assert_array_equal(cache.argmax_flat, expected_cache.argmax_flat)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (7, 5), (4,), (), (0, 3)])
def test_relu_kernels_equal_the_reference(dtype, shape):
    rng = np.random.default_rng(21)
    x = rng.standard_normal(shape).astype(dtype)
    dout = rng.standard_normal(shape).astype(dtype)
    if x.size >= 6:
        x.reshape(-1)[:4] = [np.nan, np.inf, -0.0, 0.0]  # NaN stays NaN; exactly 0 passes no gradient
        dout.reshape(-1)[4:6] = [np.nan, -np.inf]
    out, cache = fast.relu_forward(x)
    reference_out, reference_cache = F.relu_forward(x)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_array_equal(out, reference_out)
    dx = fast.relu_backward(dout, cache)
    assert dx.dtype == dtype and dx.shape == x.shape
    np.testing.assert_array_equal(dx, F.relu_backward(dout, reference_cache))


@pytest.mark.parametrize("ops", [F, fast], ids=["reference", "fast"])
def test_relu_of_a_strided_view_and_the_gradient_choice(ops):
    x = np.arange(-6.0, 6.0).reshape(3, 4)[:, ::2]  # not contiguous
    out, cache = ops.relu_forward(x)
    np.testing.assert_array_equal(out, np.maximum(x, 0))
    dout = np.full(x.shape, np.nan)
    dx = ops.relu_backward(dout, cache)
    # where out <= 0 the gradient is 0 even for a NaN dout (as torch's threshold_backward); elsewhere NaN passes
    np.testing.assert_array_equal(np.isnan(dx), out > 0)
    np.testing.assert_array_equal(dx[out <= 0], 0)


@pytest.mark.parametrize("ops", [F, fast], ids=["reference", "fast"])
def test_batchnorm_cache_keeps_the_input_not_a_normalised_copy(ops):
    x, gamma, beta, mean, var, _ = _batchnorm_inputs(np.float32, seed=22)
    out, cache = ops.batchnorm2d_forward(x, gamma, beta, mean, var)
    assert cache.x is x  # x_hat is recomputed from x when needed, not stored next to it
    expected = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(x.var(axis=(0, 2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(cache.x_hat, expected, rtol=1e-5, atol=1e-5)
