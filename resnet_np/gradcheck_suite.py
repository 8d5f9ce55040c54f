"""The gradient-check suite of every op: the cases `python -m resnet_np gradcheck` prints and the tests assert.

Each case runs in float64 with a random upstream gradient and covers one configuration that has broken
implementations before: strides, paddings, 1x1 and 7x7 and non-square kernels, odd sizes, batch 1, overlapping
pooling windows, BatchNorm in train and eval mode.
"""

from typing import Callable, NamedTuple

import numpy as np

from .backend import ops as current_ops
from .gradcheck import check_loss, check_op

TOLERANCE = 1e-7


class GradcheckCase(NamedTuple):
    op: str
    shapes: str
    run: Callable  # () -> list of GradientReport


def _random(seed, *shape, away_from_zero=False):
    values = np.random.default_rng(seed).standard_normal(shape)
    if away_from_zero:  # ReLU has a kink at 0 where finite differences are meaningless
        values += np.sign(values) * 0.05
    return values


def _conv_case(ops, x_shape, w_shape, stride, padding, bias):
    def run():
        x, w = _random(1, *x_shape), _random(2, *w_shape)
        if bias:
            b = _random(3, w_shape[0])
            return check_op(lambda x, w, b: ops.conv2d_forward(x, w, b, stride, padding), ops.conv2d_backward,
                            [("x", x), ("w", w), ("b", b)])
        return check_op(lambda x, w: ops.conv2d_forward(x, w, None, stride, padding),
                        lambda dout, cache: ops.conv2d_backward(dout, cache)[:2], [("x", x), ("w", w)])

    bias_text = ", bias" if bias else ""
    return GradcheckCase("conv2d", f"x{x_shape} w{w_shape} stride {stride} pad {padding}{bias_text}", run)


def _batchnorm_case(ops, x_shape, training):
    def run():
        channels = x_shape[1]
        x, gamma, beta = _random(4, *x_shape), _random(5, channels), _random(6, channels)
        running_mean, running_var = _random(7, channels), np.abs(_random(8, channels)) + 0.5
        return check_op(
            lambda x, gamma, beta: ops.batchnorm2d_forward(x, gamma, beta, running_mean.copy(), running_var.copy(),
                                                         training=training),
            ops.batchnorm2d_backward, [("x", x), ("gamma", gamma), ("beta", beta)])

    return GradcheckCase("batchnorm2d", f"x{x_shape} {'train' if training else 'eval'}", run)


def _maxpool_case(ops, x_shape, kernel, stride, padding):
    def run():
        return check_op(lambda x: ops.maxpool2d_forward(x, kernel, stride, padding), ops.maxpool2d_backward,
                        [("x", _random(9, *x_shape))])

    return GradcheckCase("maxpool2d", f"x{x_shape} kernel {kernel} stride {stride} pad {padding}", run)


def _linear_case(ops):
    def run():
        return check_op(ops.linear_forward, ops.linear_backward,
                        [("x", _random(10, 4, 6)), ("w", _random(11, 3, 6)), ("b", _random(12, 3))])

    return GradcheckCase("linear", "x(4, 6) w(3, 6) b(3,)", run)


def _shortcut_case(ops, x_shape, out_channels, stride):
    def run():
        return check_op(lambda x: ops.zero_pad_shortcut_forward(x, out_channels, stride),
                        ops.zero_pad_shortcut_backward, [("x", _random(13, *x_shape))])

    return GradcheckCase("zero_pad_shortcut", f"x{x_shape} -> {out_channels} channels, stride {stride}", run)


def all_cases(ops=None):
    """Every op, in the order of a lecture; ops: resnet_np.functional or resnet_np.fast (default: the current
    backend's, see resnet_np.set_backend)."""
    ops = current_ops() if ops is None else ops
    return [
        # stride 1 (padding up to kernel - 1, output channels <= input channels): the backward runs as a
        # convolution of dout in the engine, see fast/conv.py
        _conv_case(ops, (2, 4, 5, 5), (4, 4, 3, 3), 1, 1, bias=True),
        _conv_case(ops, (2, 4, 6, 5), (3, 4, 1, 1), 1, 0, bias=False),
        _conv_case(ops, (2, 3, 6, 7), (3, 3, 3, 2), 1, (0, 1), bias=True),
        # the col2im backward: strides, more output than input channels (a stem), and a padding so large that
        # some windows hold no pixel at all
        _conv_case(ops, (2, 2, 5, 5), (4, 2, 3, 3), 1, 1, bias=False),
        _conv_case(ops, (1, 2, 4, 4), (2, 2, 3, 3), 1, 3, bias=False),
        _conv_case(ops, (2, 3, 7, 7), (4, 3, 1, 1), 2, 0, bias=False),
        _conv_case(ops, (1, 2, 9, 9), (3, 2, 7, 7), 2, 3, bias=False),
        _conv_case(ops, (2, 2, 6, 5), (3, 2, 2, 3), (2, 1), (1, 0), bias=True),
        _conv_case(ops, (3, 2, 7, 7), (2, 2, 3, 3), 2, 1, bias=False),
        _batchnorm_case(ops, (3, 4, 3, 5), training=True),
        _batchnorm_case(ops, (3, 4, 3, 5), training=False),
        _batchnorm_case(ops, (1, 2, 5, 3), training=True),
        GradcheckCase("relu", "x(2, 3, 4, 5)", lambda: check_op(
            ops.relu_forward, ops.relu_backward, [("x", _random(14, 2, 3, 4, 5, away_from_zero=True))])),
        _maxpool_case(ops, (2, 2, 6, 6), 2, 2, 0),
        _maxpool_case(ops, (2, 2, 5, 5), 3, 1, 1),
        _maxpool_case(ops, (1, 3, 7, 7), 3, 2, 1),
        GradcheckCase("global_avgpool", "x(2, 3, 5, 4)", lambda: check_op(
            ops.global_avgpool_forward, ops.global_avgpool_backward, [("x", _random(15, 2, 3, 5, 4))])),
        _linear_case(ops),
        GradcheckCase("softmax_cross_entropy", "logits(5, 4)", lambda: check_loss(
            ops.softmax_cross_entropy, _random(16, 5, 4) * 3, np.array([0, 3, 1, 1, 2]))),
        GradcheckCase("residual_add", "shortcut(2, 3, 4, 4) + residual(2, 3, 4, 4)", lambda: check_op(
            ops.residual_add_forward, ops.residual_add_backward,
            [("shortcut", _random(17, 2, 3, 4, 4)), ("residual", _random(18, 2, 3, 4, 4))])),
        _shortcut_case(ops, (2, 3, 7, 7), 6, 2),
        _shortcut_case(ops, (2, 4, 4, 4), 4, 1),
    ]


def format_table(rows):
    """rows: list of (op, shapes, reports, passed) -> a plain-text table."""
    lines = [f"{'op':<22} {'shapes':<56} {'gradients (max relative error)':<48} result"]
    lines.append("-" * len(lines[0]))
    for op, shapes, reports, passed in rows:
        errors = ", ".join(f"{report.name} {report.error:.1e}" for report in reports)
        lines.append(f"{op:<22} {shapes:<56} {errors:<48} {'pass' if passed else 'FAIL'}")
    return "\n".join(lines)


def run_all(tolerance=TOLERANCE, ops=None):
    """Run every case (on `ops`, default the current backend's); return the rows for format_table and whether all
    passed."""
    rows = []
    for case in all_cases(ops):
        reports = case.run()
        rows.append((case.op, case.shapes, reports, max(r.error for r in reports) < tolerance))
    return rows, all(row[3] for row in rows)
