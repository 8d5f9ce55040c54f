"""The engine's positions-major conv route (fast/conv_channels_last.py): conv.py takes it for layers of at least
16 input channels, forward at any stride and backward at stride 1. Its results must
equal the reference's to rounding wherever it is taken, whatever the thread count; elsewhere conv.py's own routes
run, as before."""

import importlib

import numpy as np
import pytest

from resnet_np import fast, runtime
from resnet_np import functional as F
from resnet_np.fast import conv_channels_last
from resnet_np.fast.jit import jit_enabled
from resnet_np.gradcheck import check_op

conv_module = importlib.import_module("resnet_np.fast.conv")

TOLERANCE = {np.float32: 1e-4, np.float64: 1e-11}

# (x shape, w shape, stride, padding, forward route taken): ResNet's 3x3 layers at the digits' and CIFAR's small
# to 32x32 planes, odd sizes, batch 1, 1x1 and non-square kernels, strides of 2 (forward only); and shapes just
# outside the rule (a stem, 15 channels). The backward takes it where conv_module.backward_route says "channels last".
CASES = [
    ((4, 16, 8, 8), (16, 16, 3, 3), 1, 1, True),
    ((3, 32, 4, 4), (32, 32, 3, 3), 1, 1, True),
    ((2, 64, 3, 3), (64, 64, 3, 3), 1, 1, True),  # (2x2 maps take conv_dense.py's route)
    ((1, 16, 7, 5), (16, 16, 3, 3), 1, 1, True),  # batch 1, odd plane
    ((2, 17, 5, 3), (9, 17, 3, 3), 1, 0, True),  # fewer output than input channels, no padding
    ((2, 16, 6, 7), (16, 16, 3, 2), 1, (2, 1), True),  # non-square kernel, the largest padding of a convolution
    ((2, 16, 5, 6), (20, 16, 1, 1), 1, 0, True),  # 1x1, more output than input channels (col2im backward)
    ((2, 3, 8, 8), (16, 3, 3, 3), 1, 1, False),  # a stem
    ((2, 16, 16, 16), (16, 16, 3, 3), 1, 1, True),  # a 16x16 plane
    ((1, 16, 17, 16), (16, 16, 3, 3), 1, 1, True),  # a 17x16 plane
    ((2, 16, 32, 32), (16, 16, 3, 3), 1, 1, True),  # CIFAR's first stage
    ((2, 15, 8, 8), (15, 15, 3, 3), 1, 1, False),
    ((2, 16, 8, 8), (32, 16, 3, 3), 2, 1, True),  # a stride of 2: the backward is conv.py's col2im route
    ((3, 16, 9, 7), (16, 16, 3, 2), (2, 3), (1, 0), True),  # unequal strides, odd plane
]


def _record_routes(monkeypatch):
    taken = []
    for name in ("forward_into", "backward"):
        original = getattr(conv_channels_last, name)
        monkeypatch.setattr(conv_channels_last, name,
                            lambda *args, original=original, name=name: taken.append(name) or original(*args))
    return taken


@pytest.mark.parametrize("products", ["in the compiled chunk", "from Python"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, chosen", CASES)
def test_equal_to_the_reference_where_the_route_is_taken_and_where_not(monkeypatch, x_shape, w_shape, stride,
                                                                       padding, chosen, bias, dtype, products):
    """products: where NumPy's BLAS can be called from compiled code (fast/blas.py), a chunk is one compiled call;
    elsewhere (and with NUMBA_DISABLE_JIT=1) the products are called from Python. Both must be right."""
    if products == "from Python":
        monkeypatch.setattr(conv_channels_last, "numpy_gemm", lambda dtype: None)
    elif jit_enabled():
        assert conv_channels_last.numpy_gemm(dtype) is not None  # NumPy's wheel: its OpenBLAS is found
    rng = np.random.default_rng(21)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    taken = _record_routes(monkeypatch)
    out, cache = fast.conv2d_forward(x, w, b, stride, padding)
    reference, reference_cache = F.conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape).astype(dtype)
    gradients = fast.conv2d_backward(dout, cache)
    reference_gradients = F.conv2d_backward(dout, reference_cache)
    backward_taken = conv_module.backward_route(cache.geometry, w_shape) == "channels last"
    stride_one = conv_module.backward_is_a_convolution(cache.geometry, *w_shape[2:])
    assert backward_taken == (chosen and stride_one and w_shape[0] <= w_shape[1])
    assert taken == ["forward_into"] * chosen + ["backward"] * backward_taken
    assert chosen == conv_channels_last.forward_pays(cache.geometry, w_shape)
    assert out.dtype == dtype and out.flags.c_contiguous
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(out, reference, rtol=tolerance, atol=tolerance)
    for name, gradient, expected in zip(("dx", "dw", "db"), gradients, reference_gradients, strict=True):
        if expected is None:
            assert gradient is None
            continue
        assert gradient.dtype == dtype and gradient.shape == expected.shape, name
        np.testing.assert_allclose(gradient, expected, rtol=tolerance, atol=tolerance, err_msg=name)


def test_an_empty_batch():
    w = np.ones((16, 16, 3, 3), dtype=np.float32)
    out, cache = fast.conv2d_forward(np.zeros((0, 16, 4, 4), dtype=np.float32), w, None, 1, 1)
    assert out.shape == (0, 16, 4, 4)
    dx, dw, _ = fast.conv2d_backward(np.zeros(out.shape, dtype=np.float32), cache)
    assert dx.shape == (0, 16, 4, 4) and not dw.any()


def test_the_results_do_not_depend_on_the_thread_count():
    """Several chunks (60 images of 32 channels on 4x4 planes: 3 chunks), on one thread and on two: bit for bit."""
    rng = np.random.default_rng(22)
    x = rng.standard_normal((60, 32, 4, 4)).astype(np.float32)
    w = rng.standard_normal((32, 32, 3, 3)).astype(np.float32)
    dout = rng.standard_normal((60, 32, 4, 4)).astype(np.float32)
    assert conv_module._images_per_chunk(60, 16, w.size) < 60
    results = []
    for threads in (1, 2):
        with runtime.using(backend="fast", threads=threads):
            out, cache = fast.conv2d_forward(x, w, None, 1, 1)
            results.append((out, *fast.conv2d_backward(dout, cache)[:2]))
    for one_thread, two_threads in zip(*results, strict=True):
        np.testing.assert_array_equal(one_thread, two_threads)


def test_a_strided_layer_matches_finite_differences():
    """A stride-2 layer: the forward by this route, the backward by conv.py's col2im route, checked together."""
    rng = np.random.default_rng(29)
    x, w, b = rng.standard_normal((2, 16, 5, 4)), rng.standard_normal((3, 16, 3, 3)), rng.standard_normal(3)
    _, cache = fast.conv2d_forward(x, w, b, 2, 1)
    assert conv_channels_last.forward_pays(cache.geometry, w.shape)
    assert conv_module.backward_route(cache.geometry, w.shape) == "col2im"
    reports = check_op(lambda x, w, b: fast.conv2d_forward(x, w, b, 2, 1), fast.conv2d_backward,
                       [("x", x), ("w", w), ("b", b)])
    for report in reports:
        assert report.error < 1e-7, f"d{report.name} relative error {report.error:.2e}"


@pytest.mark.parametrize("x_shape, w_shape, padding", [((2, 32, 3, 2), (2, 32, 3, 3), 1),
                                                       ((1, 32, 3, 3), (3, 32, 2, 2), 0)])
def test_backward_matches_finite_differences(x_shape, w_shape, padding):
    """float64 central differences, random upstream gradient: the route's own gradient check."""
    rng = np.random.default_rng(23)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    _, cache = fast.conv2d_forward(x, w, b, 1, padding)
    assert conv_module.backward_route(cache.geometry, w_shape) == "channels last"
    assert conv_channels_last.forward_pays(cache.geometry, w_shape)
    reports = check_op(lambda x, w, b: fast.conv2d_forward(x, w, b, 1, padding), fast.conv2d_backward,
                       [("x", x), ("w", w), ("b", b)])
    for report in reports:
        assert report.error < 1e-7, f"d{report.name} relative error {report.error:.2e}"


@pytest.mark.parametrize("kh, kw, pad_h, pad_w", [(3, 3, 1, 1), (3, 2, 2, 0), (1, 1, 0, 0)])
def test_kernel_row_runs_are_the_blocks_of_the_full_im2col(kh, kw, pad_h, pad_w):
    """The stride-1 route's identity (module docstring): kernel row i of position (oh, ow), columns
    [i*kw*C, (i+1)*kw*C) of the full im2col, is row (oh + i) * out_w + ow of the runs, for every i."""
    from resnet_np.fast import channels_last_kernels as kernels

    rng = np.random.default_rng(24)
    n, channels, height, width = 2, 5, 6, 7
    x = rng.standard_normal((n, channels, height, width))
    out_h, out_w = height + 2 * pad_h - kh + 1, width + 2 * pad_w - kw + 1
    padded = np.empty((n, height + 2 * pad_h, width + 2 * pad_w, channels))
    kernels.pad_channels_last_kernel(x, pad_h, pad_w, padded)
    cols_t = np.empty((n * out_h * out_w, kh * kw * channels))
    kernels.im2col_padded_kernel(padded, kh, kw, 1, 1, out_h, out_w, cols_t)
    run = kw * channels
    for image in range(n):
        runs = np.full((padded.shape[1] * out_w, run), np.nan)
        kernels.kernel_row_runs_kernel(padded[image], kw, out_w, runs)
        positions = cols_t[image * out_h * out_w:(image + 1) * out_h * out_w]
        for i in range(kh):
            np.testing.assert_array_equal(runs[i * out_w:i * out_w + out_h * out_w],
                                          positions[:, i * run:(i + 1) * run])
