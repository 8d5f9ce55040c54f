"""Every op's forward and backward against torch.nn.functional autograd, float64, same inputs, on both backends
(the `ops` fixture of conftest.py: the reference maths, then the engine)."""

import numpy as np
import pytest

from resnet_np.gradcheck import relative_error

torch = pytest.importorskip("torch")
TOLERANCE = 1e-10


def _tensors(*arrays):
    return [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]


def _assert_close(ours, theirs, what):
    error = relative_error(ours, theirs.detach().numpy())
    assert error < TOLERANCE, f"{what}: relative error {error:.2e}"


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, bias", [
    ((2, 4, 8, 8), (4, 4, 3, 3), 1, 1, True),  # stride 1, K <= C: the backward runs as a convolution of dout
    ((2, 6, 5, 7), (4, 6, 1, 1), 1, 0, False),
    ((2, 4, 7, 6), (3, 4, 3, 2), 1, (0, 1), False),
    ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1, False),  # more output than input channels: the col2im backward
    ((2, 3, 7, 7), (5, 3, 1, 1), 2, 0, False),  # strided: the col2im backward
    ((1, 3, 15, 15), (4, 3, 7, 7), 2, 3, False),
    ((2, 2, 6, 7), (3, 2, 2, 3), (2, 1), (1, 0), True),
    ((3, 4, 2, 2), (5, 4, 3, 3), 1, 1, True),  # 2x2 maps: the engine's dense-matrix route (fast/conv_dense.py)
    ((2, 32, 4, 4), (32, 32, 3, 3), 1, 1, False),  # the engine's positions-major route, forward and backward
    ((2, 16, 7, 6), (24, 16, 3, 3), 2, 1, True),  # strided: positions-major forward, col2im backward
    ((2, 4, 8, 8), (6, 4, 3, 3), 2, 1, False),  # a strided 4x4 output: the small-plane im2col and col2im
])
def test_conv2d(ops, x_shape, w_shape, stride, padding, bias):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    out, cache = ops.conv2d_forward(x, w, b if bias else None, stride, padding)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = ops.conv2d_backward(dout, cache)

    tx, tw, tb = _tensors(x, w, b)
    tout = torch.nn.functional.conv2d(tx, tw, tb if bias else None, stride, padding)
    tout.backward(torch.tensor(dout))
    _assert_close(out, tout, "out")
    _assert_close(dx, tx.grad, "dx")
    _assert_close(dw, tw.grad, "dw")
    if bias:
        _assert_close(db, tb.grad, "db")
    else:
        assert db is None


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d(ops, training):
    rng = np.random.default_rng(1)
    x, gamma, beta = rng.standard_normal((4, 3, 5, 5)) * 2 + 1, rng.standard_normal(3), rng.standard_normal(3)
    running_mean, running_var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    ours_mean, ours_var = running_mean.copy(), running_var.copy()
    out, cache = ops.batchnorm2d_forward(x, gamma, beta, ours_mean, ours_var, training=training, momentum=0.1)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = ops.batchnorm2d_backward(dout, cache)

    tx, tgamma, tbeta = _tensors(x, gamma, beta)
    theirs_mean, theirs_var = torch.tensor(running_mean), torch.tensor(running_var)
    tout = torch.nn.functional.batch_norm(tx, theirs_mean, theirs_var, tgamma, tbeta, training=training,
                                          momentum=0.1, eps=1e-5)
    tout.backward(torch.tensor(dout))
    for ours, theirs, what in [(out, tout, "out"), (dx, tx.grad, "dx"), (dgamma, tgamma.grad, "dgamma"),
                               (dbeta, tbeta.grad, "dbeta"), (ours_mean, theirs_mean, "running_mean"),
                               (ours_var, theirs_var, "running_var")]:
        _assert_close(ours, theirs, what)


def test_relu(ops):
    x = np.random.default_rng(2).standard_normal((2, 3, 4, 4))
    out, cache = ops.relu_forward(x)
    dout = np.random.default_rng(3).standard_normal(x.shape)
    (tx,) = _tensors(x)
    tout = torch.relu(tx)
    tout.backward(torch.tensor(dout))
    _assert_close(out, tout, "out")
    _assert_close(ops.relu_backward(dout, cache), tx.grad, "dx")


@pytest.mark.parametrize("x_shape, kernel, stride, padding", [
    ((2, 3, 8, 8), 2, 2, 0), ((2, 3, 7, 7), 3, 2, 1), ((1, 2, 6, 6), 3, 1, 1), ((2, 2, 9, 9), 3, 2, 0)])
def test_maxpool2d(ops, x_shape, kernel, stride, padding):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(x_shape)
    out, cache = ops.maxpool2d_forward(x, kernel, stride, padding)
    dout = rng.standard_normal(out.shape)
    (tx,) = _tensors(x)
    tout = torch.nn.functional.max_pool2d(tx, kernel, stride, padding)
    tout.backward(torch.tensor(dout))
    _assert_close(out, tout, "out")
    _assert_close(ops.maxpool2d_backward(dout, cache), tx.grad, "dx")


def test_global_avgpool_and_linear(ops):
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 4, 5, 5)), rng.standard_normal((6, 4)), rng.standard_normal(6)
    pooled, pool_cache = ops.global_avgpool_forward(x)
    out, linear_cache = ops.linear_forward(pooled, w, b)
    dout = rng.standard_normal(out.shape)
    dpooled, dw, db = ops.linear_backward(dout, linear_cache)
    dx = ops.global_avgpool_backward(dpooled, pool_cache)

    tx, tw, tb = _tensors(x, w, b)
    tout = torch.nn.functional.linear(torch.nn.functional.adaptive_avg_pool2d(tx, 1).flatten(1), tw, tb)
    tout.backward(torch.tensor(dout))
    for ours, theirs, what in [(out, tout, "out"), (dx, tx.grad, "dx"), (dw, tw.grad, "dw"), (db, tb.grad, "db")]:
        _assert_close(ours, theirs, what)


def test_softmax_cross_entropy(ops):
    rng = np.random.default_rng(6)
    logits, labels = rng.standard_normal((6, 5)) * 4, rng.integers(0, 5, 6)
    loss, dlogits = ops.softmax_cross_entropy(logits, labels)
    (tlogits,) = _tensors(logits)
    tloss = torch.nn.functional.cross_entropy(tlogits, torch.tensor(labels))
    tloss.backward()
    _assert_close(np.array(loss), tloss, "loss")
    _assert_close(dlogits, tlogits.grad, "dlogits")
    _assert_close(ops.softmax(logits), torch.softmax(tlogits, 1), "softmax")


def test_zero_pad_shortcut_matches_the_common_torch_formulation(ops):
    """Option A as CIFAR ResNet code writes it in torch: subsample, then pad channels at the end."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 7))
    out, cache = ops.zero_pad_shortcut_forward(x, 6, 2)
    dout = rng.standard_normal(out.shape)
    (tx,) = _tensors(x)
    tout = torch.nn.functional.pad(tx[:, :, ::2, ::2], (0, 0, 0, 0, 0, 3))
    tout.backward(torch.tensor(dout))
    _assert_close(out, tout, "out")
    _assert_close(ops.zero_pad_shortcut_backward(dout, cache), tx.grad, "dx")
