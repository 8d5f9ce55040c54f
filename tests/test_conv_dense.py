"""The engine's dense-matrix route for convolutions on tiny planes (fast/conv_dense.py): where conv2d takes it, and
that it gives the reference's numbers, at any number of threads."""

import importlib

import numpy as np
import pytest

import resnet_np as rn
from resnet_np import fast
from resnet_np import functional as F
from resnet_np.fast import conv_dense
from resnet_np.gradcheck import check_op

conv_module = importlib.import_module("resnet_np.fast.conv")


def _geometry(x_shape, w_shape, stride, padding):
    return F.window_geometry("conv2d", x_shape, w_shape[2], w_shape[3], stride, padding)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dense", [
    ((64, 64, 2, 2), (64, 64, 3, 3), 1, 1, True),  # ResNet-20's last stage on 8x8 digits
    ((64, 32, 4, 4), (64, 32, 3, 3), 2, 1, False),  # its downsampling layer, 4x4 -> 2x2: M has 64 entries
    ((64, 32, 4, 4), (32, 32, 3, 3), 1, 1, False),  # 4x4 -> 4x4: M would be 256 entries per channel pair
    ((64, 16, 8, 8), (16, 16, 3, 3), 1, 1, False),  # 8x8: im2col
    ((64, 64, 2, 2), (64, 64, 1, 1), 1, 0, False),  # a 1x1 conv has no im2col worth avoiding
    ((8, 3, 3, 3), (4, 3, 3, 3), 1, 1, False),  # 3x3 -> 3x3: 81 entries
    ((8, 3, 2, 3), (4, 3, 3, 3), 1, 1, False),  # 2x3 -> 2x3: 36
    ((8, 3, 2, 2), (4, 3, 3, 3), 2, 1, True),  # 2x2 -> 1x1: 4
    ((8, 3, 1, 3), (4, 3, 3, 3), 1, 1, True),  # 1x3 -> 1x3: 9
])
def test_the_rule_takes_the_dense_route_only_on_tiny_planes(x_shape, w_shape, stride, padding, dense):
    assert conv_dense.applies(x_shape, w_shape, _geometry(x_shape, w_shape, stride, padding)) is dense


# (x shape, w shape, stride, padding, bias): all on the dense route
DENSE_CASES = [
    ((5, 4, 2, 2), (6, 4, 3, 3), 1, 1, True),
    ((3, 4, 2, 2), (6, 4, 3, 3), 2, 1, False),  # stride 2, 2x2 -> 1x1
    ((2, 3, 1, 3), (4, 3, 3, 3), 1, 1, True),  # a non-square plane
    ((2, 3, 2, 2), (4, 3, 2, 2), 1, 0, False),  # an even kernel, no padding: one output pixel
    ((1, 2, 2, 2), (3, 2, 3, 3), 2, 2, True),  # padding 2: most windows read mostly padding; batch 1
    ((2, 2, 3, 3), (3, 2, 3, 3), 2, 0, False),  # 3x3 -> 1x1, no padding
    ((2, 3, 3, 2), (2, 3, 3, 2), (2, 1), (1, 0), True),  # non-square kernel, stride and padding: 3x2 -> 2x1
]


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, bias", DENSE_CASES)
def test_dense_route_equals_the_reference(dtype, tolerance, x_shape, w_shape, stride, padding, bias):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    out, cache = fast.conv2d_forward(x, w, b, stride, padding)
    assert conv_dense.applies(x.shape, w.shape, cache.geometry)
    reference_out, reference_cache = F.conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape).astype(dtype)
    got = (out, *fast.conv2d_backward(dout, cache))
    want = (reference_out, *F.conv2d_backward(dout, reference_cache))
    for name, a, r in zip(("out", "dx", "dw", "db"), got, want, strict=True):
        if r is None:
            assert a is None, name
            continue
        assert a.dtype == dtype and a.shape == r.shape, name
        np.testing.assert_allclose(a, r, rtol=tolerance, atol=tolerance, err_msg=name)


@pytest.mark.parametrize("x_shape, w_shape, stride, padding", [(s[0], s[1], s[2], s[3]) for s in DENSE_CASES[:3]])
def test_dense_route_passes_the_gradient_check(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    reports = check_op(lambda x, w, b: fast.conv2d_forward(x, w, b, stride, padding), fast.conv2d_backward,
                       [("x", x), ("w", w), ("b", b)])
    for report in reports:
        assert report.error < 1e-7, report


def test_an_empty_batch_gives_empty_outputs_and_zero_weight_gradients():
    x, w = np.zeros((0, 4, 2, 2)), np.ones((6, 4, 3, 3))
    out, cache = fast.conv2d_forward(x, w, None, 1, 1)
    dx, dw, _ = fast.conv2d_backward(np.zeros(out.shape), cache)
    assert out.shape == (0, 6, 2, 2) and dx.shape == x.shape
    np.testing.assert_array_equal(dw, 0)


@pytest.mark.parametrize("pool", [1, 3])
def test_dense_route_in_chunks_gives_the_same_bits_at_any_number_of_threads(monkeypatch, pool):
    monkeypatch.setattr(conv_module, "MIN_MULTIPLY_ADDS_PER_CHUNK", 0)  # 7 images: 7 chunks of one image
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((7, 3, 2, 2)).astype(np.float32), rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    dout = rng.standard_normal((7, 4, 2, 2)).astype(np.float32)
    results = []
    for threads in (1, pool):
        previous = rn.set_num_threads(threads)
        try:
            out, cache = fast.conv2d_forward(x, w, None, 1, 1)
            results.append((out, *fast.conv2d_backward(dout, cache)[:2]))
        finally:
            rn.set_num_threads(previous)
    for one, other in zip(*results, strict=True):
        np.testing.assert_array_equal(one, other)
    reference_out, reference_cache = F.conv2d_forward(x, w, None, 1, 1)
    np.testing.assert_allclose(results[0][0], reference_out, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(results[0][2], F.conv2d_backward(dout, reference_cache)[1], rtol=2e-5, atol=2e-5)
