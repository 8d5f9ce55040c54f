"""What the ops promise besides correct gradients: dtypes, running statistics, clear errors, stable softmax."""

import numpy as np
import pytest


def _float32(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_float32_stays_float32_through_every_op(ops, rng):
    x, w, b = _float32(rng, 2, 3, 6, 6), _float32(rng, 4, 3, 3, 3), _float32(rng, 4)
    out, cache = ops.conv2d_forward(x, w, b, 1, 1)
    grads = ops.conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)

    gamma, beta = np.ones(4, np.float32), np.zeros(4, np.float32)
    running_mean, running_var = np.zeros(4, np.float32), np.ones(4, np.float32)
    for training in (True, False):
        bn, cache = ops.batchnorm2d_forward(out, gamma, beta, running_mean, running_var, training=training)
        assert bn.dtype == np.float32
        assert all(g.dtype == np.float32 for g in ops.batchnorm2d_backward(bn, cache))
    assert running_mean.dtype == np.float32 and running_var.dtype == np.float32

    relu, cache = ops.relu_forward(bn)
    assert relu.dtype == np.float32 and ops.relu_backward(relu, cache).dtype == np.float32
    pooled, cache = ops.maxpool2d_forward(relu, 3, 2, 1)
    assert pooled.dtype == np.float32 and ops.maxpool2d_backward(pooled, cache).dtype == np.float32
    features, cache = ops.global_avgpool_forward(pooled)
    assert features.dtype == np.float32 and ops.global_avgpool_backward(features, cache).dtype == np.float32
    logits, cache = ops.linear_forward(features, _float32(rng, 5, 4), _float32(rng, 5))
    assert logits.dtype == np.float32 and all(g.dtype == np.float32 for g in ops.linear_backward(logits, cache))
    loss, dlogits = ops.softmax_cross_entropy(logits, np.array([0, 4]))
    assert loss.dtype == np.float32 and dlogits.dtype == np.float32
    shortcut, cache = ops.zero_pad_shortcut_forward(x, 6, 2)
    assert shortcut.dtype == np.float32 and ops.zero_pad_shortcut_backward(shortcut, cache).dtype == np.float32


def test_batchnorm_running_statistics_follow_pytorch_rule(ops, rng):
    x = rng.standard_normal((4, 2, 3, 3)) * 3 + 2
    running_mean, running_var = np.zeros(2), np.ones(2)
    ops.batchnorm2d_forward(x, np.ones(2), np.zeros(2), running_mean, running_var, training=True, momentum=0.1)
    batch_mean, unbiased_var = x.mean((0, 2, 3)), x.var((0, 2, 3), ddof=1)
    np.testing.assert_allclose(running_mean, 0.1 * batch_mean)
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * unbiased_var)


def test_batchnorm_train_normalises_and_eval_uses_running_statistics(ops, rng):
    x = rng.standard_normal((8, 3, 4, 4)) * 5 - 1
    running_mean, running_var = np.full(3, 2.0), np.full(3, 4.0)
    out, _ = ops.batchnorm2d_forward(x, np.ones(3), np.zeros(3), running_mean.copy(), running_var.copy())
    np.testing.assert_allclose(out.mean((0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.var((0, 2, 3)), 1, rtol=1e-4)
    out, _ = ops.batchnorm2d_forward(x, np.ones(3), np.zeros(3), running_mean, running_var, training=False)
    np.testing.assert_allclose(out, (x - 2.0) / np.sqrt(4.0 + 1e-5))
    np.testing.assert_array_equal(running_mean, 2.0)  # eval never touches the running statistics


def test_no_backward_modifies_dout(ops, rng):
    x = rng.standard_normal((2, 3, 6, 6))
    pipeline = [
        (lambda a: ops.conv2d_forward(a, rng.standard_normal((3, 3, 3, 3)), None, 1, 1), ops.conv2d_backward),
        (lambda a: ops.batchnorm2d_forward(a, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
         ops.batchnorm2d_backward),
        (ops.relu_forward, ops.relu_backward),
        (lambda a: ops.maxpool2d_forward(a, 3, 2, 1), ops.maxpool2d_backward),
        (lambda a: ops.zero_pad_shortcut_forward(a, 5, 2), ops.zero_pad_shortcut_backward),
        (lambda a: ops.residual_add_forward(a, a.copy()), ops.residual_add_backward),
    ]
    for forward, backward in pipeline:
        out, cache = forward(x)
        dout = rng.standard_normal(out.shape)
        kept = dout.copy()
        backward(dout, cache)
        np.testing.assert_array_equal(dout, kept)


def test_residual_add_sends_the_same_gradient_down_both_paths(ops, rng):
    x, fx = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))
    out, cache = ops.residual_add_forward(x, fx)
    np.testing.assert_array_equal(out, x + fx)
    dout = rng.standard_normal(out.shape)
    d_shortcut, d_residual = ops.residual_add_backward(dout, cache)
    np.testing.assert_array_equal(d_shortcut, dout)
    np.testing.assert_array_equal(d_residual, dout)


def test_zero_pad_shortcut_layout(ops, rng):
    x = rng.standard_normal((2, 3, 5, 5))
    out, _ = ops.zero_pad_shortcut_forward(x, 8, 2)
    assert out.shape == (2, 8, 3, 3)
    np.testing.assert_array_equal(out[:, :3], x[:, :, ::2, ::2])
    np.testing.assert_array_equal(out[:, 3:], 0)


def test_maxpool_pads_with_minus_infinity(ops):
    x = -np.ones((1, 1, 2, 2)) * np.arange(1, 5).reshape(1, 1, 2, 2)  # all negative
    out, _ = ops.maxpool2d_forward(x, 3, 1, 1)
    assert out.max() < 0  # a zero pad would have won


def test_softmax_is_stable_for_large_logits(ops):
    logits = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    probabilities = ops.softmax(logits)
    assert np.isfinite(probabilities).all()
    np.testing.assert_allclose(probabilities.sum(1), 1)
    loss, dlogits = ops.softmax_cross_entropy(logits, np.array([1, 0]))
    assert np.isfinite(loss) and np.isfinite(dlogits).all()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_logits_never_give_a_finite_loss(ops, bad):
    logits = np.zeros((2, 3))
    logits[1, 2] = bad
    loss, dlogits = ops.softmax_cross_entropy(logits, np.array([0, 1]))
    assert np.isnan(loss) and np.isnan(dlogits).all()


@pytest.mark.parametrize("call, message", [
    (lambda ops: ops.conv2d_forward(np.zeros((3, 8, 8)), np.zeros((4, 3, 3, 3))), r"conv2d: x must be 4-D"),
    (lambda ops: ops.conv2d_forward(np.zeros((1, 3, 8, 8)), np.zeros((4, 2, 3, 3))),
     r"conv2d: weight expects 2 input channels .* but x has 3"),
    (lambda ops: ops.conv2d_forward(np.zeros((1, 3, 2, 2)), np.zeros((4, 3, 5, 5))), "larger than the padded input"),
    (lambda ops: ops.conv2d_forward(np.zeros((1, 3, 8, 8)), np.zeros((4, 3, 3, 3)), stride=0), "stride"),
    (lambda ops: ops.conv2d_forward(np.zeros((1, 3, 8, 8)), np.zeros((4, 3, 3, 3)), np.zeros(5)), r"b must have shape"),
    (lambda ops: ops.conv2d_forward(np.zeros((1, 3, 8, 8), np.float32), np.zeros((4, 3, 3, 3))), "dtype"),
    (lambda ops: ops.batchnorm2d_forward(np.zeros((2, 3, 4, 4)), np.ones(2), np.zeros(3), np.zeros(3), np.ones(3)),
     r"batchnorm2d: gamma must have shape \(3,\)"),
    (lambda ops: ops.batchnorm2d_forward(np.zeros((1, 3, 1, 1)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3)),
     "more than one value per channel"),
    (lambda ops: ops.maxpool2d_forward(np.zeros((1, 1, 4, 4)), 3, 1, 2), "at most half"),
    (lambda ops: ops.linear_forward(np.zeros((2, 5)), np.zeros((3, 4)), np.zeros(3)), "expects 4 input features"),
    (lambda ops: ops.softmax_cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.0])), "labels must be integers"),
    (lambda ops: ops.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])), r"labels must lie in \[0, 2\]"),
    (lambda ops: ops.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])), r"labels must have shape \(2,\)"),
    (lambda ops: ops.residual_add_forward(np.zeros((1, 2, 3, 3)), np.zeros((1, 4, 3, 3))), "same shape"),
    (lambda ops: ops.zero_pad_shortcut_forward(np.zeros((1, 4, 3, 3)), 2, 1), "can only add channels"),
])
def test_bad_input_gets_a_clear_error(ops, call, message):
    with pytest.raises(ValueError, match=message):
        call(ops)


def test_backward_checks_dout_shape(ops, rng):
    out, cache = ops.conv2d_forward(rng.standard_normal((2, 3, 5, 5)), rng.standard_normal((4, 3, 3, 3)), None, 1, 1)
    with pytest.raises(ValueError, match="conv2d_backward"):
        ops.conv2d_backward(np.zeros((2, 5, 5, 5)), cache)
