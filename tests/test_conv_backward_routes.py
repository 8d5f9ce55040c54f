"""The engine's conv2d_backward has two routes (see fast/conv.py): for stride 1 (and no more output than input
channels) it runs the backward as a convolution of dout with the rotated kernel; otherwise it uses col2im. Both must
give the same gradients wherever both apply, and the same as the reference maths (functional/conv.py).

The float64 finite-difference checks (tests/test_functional_gradcheck.py) cover each route on its own; here the
two are compared with each other and with the reference on the same inputs.
"""

import numpy as np
import pytest

from resnet_np import fast
from resnet_np import functional as F
from resnet_np.fast import conv

# (x shape, w shape, padding): all stride 1, padding <= kernel - 1
STRIDE_ONE_CASES = [
    ((3, 4, 7, 6), (5, 4, 3, 3), 1),  # ResNet's 3x3 "same" conv
    ((2, 3, 5, 5), (4, 3, 3, 3), 0),  # no padding: the dout windows reach 2 pixels past dout's edge
    ((2, 3, 5, 5), (4, 3, 3, 3), 2),  # the largest padding the convolution route takes
    ((2, 6, 4, 5), (3, 6, 1, 1), 0),  # 1x1
    ((2, 3, 7, 5), (2, 3, 3, 2), (1, 0)),  # non-square kernel and padding
    ((1, 2, 9, 9), (3, 2, 5, 5), 2),
    ((1, 1, 3, 3), (2, 1, 3, 3), 1),  # one channel in, a 3x3 image: every window is mostly padding
]


def _gradients(route, x, w, dout, stride, padding):
    _, cache = fast.conv2d_forward(x, w, None, stride, padding)
    return route(np.ascontiguousarray(dout), x, w, cache.geometry)


@pytest.mark.parametrize("x_shape, w_shape, padding", STRIDE_ONE_CASES)
def test_both_routes_give_the_same_gradients_as_the_reference(x_shape, w_shape, padding):
    rng = np.random.default_rng(11)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out, cache = F.conv2d_forward(x, w, None, 1, padding)
    assert conv.backward_is_a_convolution(cache.geometry, *w_shape[2:])
    dout = rng.standard_normal(out.shape)
    by_convolution = _gradients(conv.backward_by_convolution, x, w, dout, 1, padding)
    by_col2im = _gradients(conv.backward_by_col2im, x, w, dout, 1, padding)
    reference = F.conv2d_backward(dout, cache)[:2]
    for name, a, b, c in zip(("dx", "dw"), by_convolution, by_col2im, reference, strict=True):
        assert a.shape == b.shape == c.shape, name
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12, err_msg=name)


def test_float32_routes_agree_and_keep_the_dtype():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 8, 6, 6)).astype(np.float32)
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    out, _ = fast.conv2d_forward(x, w, None, 1, 1)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    by_convolution = _gradients(conv.backward_by_convolution, x, w, dout, 1, 1)
    by_col2im = _gradients(conv.backward_by_col2im, x, w, dout, 1, 1)
    for a, b in zip(by_convolution, by_col2im, strict=True):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride, padding, kernel, channels_in, channels_out, expected", [
    (1, 1, 3, 3, 3, "convolution"), (1, 0, 1, 3, 2, "convolution"), (1, 2, 3, 3, 1, "convolution"),
    (2, 1, 3, 3, 3, "col2im"), ((1, 2), 1, 3, 3, 3, "col2im"), (1, 3, 3, 3, 3, "col2im"), (1, 1, 1, 3, 3, "col2im"),
    (1, 1, 3, 2, 3, "col2im"),  # more output than input channels (a stem): dout's column matrix would be larger
])
def test_conv2d_backward_takes_the_documented_route(monkeypatch, stride, padding, kernel, channels_in,
                                                    channels_out, expected):
    taken = []
    for name in ("convolution", "col2im"):
        route = getattr(conv, f"backward_by_{name}")
        monkeypatch.setattr(conv, f"backward_by_{name}",
                            lambda *args, route=route, name=name: taken.append(name) or route(*args))
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, channels_in, 5, 5))
    w = rng.standard_normal((channels_out, channels_in, kernel, kernel))
    out, cache = fast.conv2d_forward(x, w, None, stride, padding)
    dx, dw, _ = fast.conv2d_backward(rng.standard_normal(out.shape), cache)
    assert taken == [expected]
    assert dx.shape == x.shape and dw.shape == w.shape


@pytest.mark.parametrize("ops", [F, fast], ids=["reference", "fast"])
def test_an_empty_batch_has_zero_weight_gradients(ops):
    x, w = np.zeros((0, 3, 5, 5)), np.ones((2, 3, 3, 3))
    for stride in (1, 2):
        out, cache = ops.conv2d_forward(x, w, np.ones(2), stride, 1)
        dx, dw, db = ops.conv2d_backward(out, cache)
        assert dx.shape == x.shape
        np.testing.assert_array_equal(dw, np.zeros(w.shape))
        np.testing.assert_array_equal(db, np.zeros(2))
