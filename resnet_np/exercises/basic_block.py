"""Exercise "basic_block_backward": a whole BasicBlock backward by hand, every intermediate gradient named.

The block (He et al. 2015, Figure 2; option A shortcut, as in the paper's CIFAR-10 networks):

    conv1 = conv2d(x, w1, stride, padding 1)        bn1 = batchnorm(conv1; gamma1, beta1)    relu1 = max(0, bn1)
    conv2 = conv2d(relu1, w2, 1, padding 1)         bn2 = batchnorm(conv2; gamma2, beta2)
    shortcut = x, or zero_pad_shortcut(x) where the block halves the map and widens it (option A)
    sum = bn2 + shortcut                            relu2 = max(0, sum)                      (the block's output)

basic_block_forward (given) runs it with the library's ops and returns (relu2, BasicBlockCache): every value
above, the parameters, and each op's own cache. The student writes basic_block_backward(d_relu2, cache) and
returns every intermediate gradient, by name (GRADIENTS below); the grader checks them one by one, in the order
of the backward, against a tape of the library's ops (tape.py), and finds the first step that goes wrong.

The model answer below is written out by hand: the maths of every step inline (ReLU masks, the copy at "+",
BatchNorm's formula, the convolution as im2col products), no library backward called.
"""

from typing import NamedTuple

import numpy as np

from .. import functional as F
from .tape import Tape

AXES = (0, 2, 3)

# Every gradient the student returns, in the order the backward computes them, with the step that makes it.
GRADIENTS = (
    ("d_sum", "relu2's backward: d_relu2 -> d_sum"),
    ("d_bn2", "the '+': d_sum -> d_bn2 (the branch)"),
    ("d_shortcut", "the '+': d_sum -> d_shortcut"),
    ("d_conv2", "bn2's backward: d_bn2 -> d_conv2"),
    ("d_gamma2", "bn2's backward: d_bn2 -> d_gamma2"),
    ("d_beta2", "bn2's backward: d_bn2 -> d_beta2"),
    ("d_relu1", "conv2's backward: d_conv2 -> d_relu1"),
    ("d_w2", "conv2's backward: d_conv2 -> d_w2"),
    ("d_bn1", "relu1's backward: d_relu1 -> d_bn1"),
    ("d_conv1", "bn1's backward: d_bn1 -> d_conv1"),
    ("d_gamma1", "bn1's backward: d_bn1 -> d_gamma1"),
    ("d_beta1", "bn1's backward: d_bn1 -> d_beta1"),
    ("d_x_branch", "conv1's backward: d_conv1 -> d_x_branch"),
    ("d_w1", "conv1's backward: d_conv1 -> d_w1"),
    ("d_x_shortcut", "the shortcut's backward: d_shortcut -> d_x_shortcut"),
    ("d_x", "the fork: x fed both paths, d_x = d_x_branch + d_x_shortcut"),
)
PARAMETERS = ("w1", "gamma1", "beta1", "w2", "gamma2", "beta2")


class BasicBlockCache(NamedTuple):
    """What basic_block_forward keeps: the input, the parameters, every intermediate value and each op's cache."""

    x: np.ndarray
    w1: np.ndarray
    gamma1: np.ndarray
    beta1: np.ndarray
    w2: np.ndarray
    gamma2: np.ndarray
    beta2: np.ndarray
    stride: int
    training: bool
    conv1: np.ndarray  # the values, named after the op that made them
    bn1: np.ndarray
    relu1: np.ndarray
    conv2: np.ndarray
    bn2: np.ndarray
    shortcut: np.ndarray
    sum: np.ndarray
    relu2: np.ndarray
    conv1_cache: tuple  # each op's cache, for its backward function (F.conv2d_backward(d, cache.conv1_cache), ...)
    bn1_cache: tuple
    relu1_cache: tuple
    conv2_cache: tuple
    bn2_cache: tuple
    shortcut_cache: tuple  # None for the identity shortcut
    sum_cache: tuple
    relu2_cache: tuple


def make_parameters(in_channels, out_channels, rng, dtype=np.float64):
    """Random parameters and running statistics of a block: {"w1", "gamma1", ..., "running_var2"}."""
    def normal(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(dtype)

    params = {"w1": normal(out_channels, in_channels, 3, 3, scale=np.sqrt(2 / (9 * in_channels))),
              "w2": normal(out_channels, out_channels, 3, 3, scale=np.sqrt(2 / (9 * out_channels)))}
    for index in (1, 2):
        params[f"gamma{index}"] = rng.uniform(0.5, 1.5, out_channels).astype(dtype)
        params[f"beta{index}"] = normal(out_channels, scale=0.5)
        params[f"running_mean{index}"] = normal(out_channels, scale=0.3)
        params[f"running_var{index}"] = rng.uniform(0.5, 1.5, out_channels).astype(dtype)
    return params


def record_forward(x, params, stride=1, training=True):
    """The block's forward on a Tape of the library's ops (the running statistics in params are updated in
    training, as a BatchNorm layer's are). Returns the tape; tape.values["relu2"] is the output."""
    out_channels = params["w1"].shape[0]
    tape = Tape()
    tape.input("x", x)
    for name in PARAMETERS:
        tape.input(name, params[name])
    tape.apply("conv1", F.conv2d_forward, F.conv2d_backward, ["x", "w1"], None, stride, 1)
    tape.apply("bn1", F.batchnorm2d_forward, F.batchnorm2d_backward, ["conv1", "gamma1", "beta1"],
               params["running_mean1"], params["running_var1"], training)
    tape.apply("relu1", F.relu_forward, F.relu_backward, ["bn1"])
    tape.apply("conv2", F.conv2d_forward, F.conv2d_backward, ["relu1", "w2"], None, 1, 1)
    tape.apply("bn2", F.batchnorm2d_forward, F.batchnorm2d_backward, ["conv2", "gamma2", "beta2"],
               params["running_mean2"], params["running_var2"], training)
    if stride == 1 and out_channels == x.shape[1]:
        tape.apply("shortcut", lambda value: (value, None), lambda d, cache: d, ["x"])
    else:
        tape.apply("shortcut", F.zero_pad_shortcut_forward, F.zero_pad_shortcut_backward, ["x"], out_channels,
                   stride)
    tape.apply("sum", F.residual_add_forward, F.residual_add_backward, ["shortcut", "bn2"])
    tape.apply("relu2", F.relu_forward, F.relu_backward, ["sum"])
    return tape


def basic_block_forward(x, params, stride=1, training=True):
    """x (N, C, H, W), params from make_parameters -> (relu2, BasicBlockCache). Uses the library's ops."""
    tape = record_forward(x, params, stride, training)
    values = tape.values
    caches = {f"{name}_cache": tape.cache(name) for name in ("conv1", "bn1", "relu1", "conv2", "bn2", "shortcut",
                                                              "sum", "relu2")}
    cache = BasicBlockCache(stride=stride, training=training,
                            **{name: values[name] for name in ("x",) + PARAMETERS},
                            **{name: values[name] for name in ("conv1", "bn1", "relu1", "conv2", "bn2", "shortcut",
                                                               "sum", "relu2")},
                            **caches)
    return values["relu2"], cache


def expected_gradients(tape, d_relu2):
    """Every named gradient of GRADIENTS, from the tape of the library's ops."""
    grads, edges = tape.backward("relu2", d_relu2)
    return {
        "d_sum": grads["sum"], "d_bn2": edges["sum", "bn2"], "d_shortcut": edges["sum", "shortcut"],
        "d_conv2": grads["conv2"], "d_gamma2": grads["gamma2"], "d_beta2": grads["beta2"],
        "d_relu1": grads["relu1"], "d_w2": grads["w2"], "d_bn1": grads["bn1"], "d_conv1": grads["conv1"],
        "d_gamma1": grads["gamma1"], "d_beta1": grads["beta1"], "d_x_branch": edges["conv1", "x"],
        "d_w1": grads["w1"], "d_x_shortcut": edges["shortcut", "x"], "d_x": grads["x"],
    }


# ---- the model answer, by hand ----------------------------------------------------------------------------------

def _per_channel(vector):
    return vector.reshape(1, -1, 1, 1)


def _batchnorm_backward_by_hand(d_out, x, gamma, bn_cache):
    """BatchNorm's backward from its formula, with the forward's mean and 1/sqrt(var + eps) from its cache."""
    x_hat = (x - _per_channel(bn_cache.mean)) * _per_channel(bn_cache.inv_std)
    d_beta = d_out.sum(axis=AXES)
    d_gamma = (d_out * x_hat).sum(axis=AXES)
    d_x_hat = d_out * _per_channel(gamma)
    if not bn_cache.training:  # mean and var are the running statistics: constants
        return d_x_hat * _per_channel(bn_cache.inv_std), d_gamma, d_beta
    # mean and var were computed from this batch: every x of a channel moved them
    d_x = _per_channel(bn_cache.inv_std) * (d_x_hat - d_x_hat.mean(axis=AXES, keepdims=True)
                                            - x_hat * (d_x_hat * x_hat).mean(axis=AXES, keepdims=True))
    return d_x, d_gamma, d_beta


def _conv_backward_by_hand(d_out, x, w, stride):
    """A 3x3 convolution's backward (padding 1) as two matrix products around im2col and col2im."""
    out_channels = w.shape[0]
    d_matrix = d_out.transpose(1, 0, 2, 3).reshape(out_channels, -1)  # (K, N*out_h*out_w)
    cols = F.im2col(x, 3, 3, stride, 1)
    d_w = (d_matrix @ cols.T).reshape(w.shape)
    d_x = F.col2im(w.reshape(out_channels, -1).T @ d_matrix, x.shape, 3, 3, stride, 1)
    return d_x, d_w


def basic_block_backward(d_relu2, cache):
    """The model answer: d_relu2 = dL/d(block output) -> {name: gradient} for every name in GRADIENTS."""
    c = cache
    # relu2 = max(0, sum): the gradient passes where sum > 0
    d_sum = d_relu2 * (c.sum > 0)
    # sum = bn2 + shortcut: the "+" copies its gradient, unchanged, to both inputs
    d_bn2 = d_sum
    d_shortcut = d_sum
    # bn2 = batchnorm(conv2)
    d_conv2, d_gamma2, d_beta2 = _batchnorm_backward_by_hand(d_bn2, c.conv2, c.gamma2, c.bn2_cache)
    # conv2 = conv2d(relu1, w2, stride 1, padding 1)
    d_relu1, d_w2 = _conv_backward_by_hand(d_conv2, c.relu1, c.w2, 1)
    # relu1 = max(0, bn1)
    d_bn1 = d_relu1 * (c.bn1 > 0)
    # bn1 = batchnorm(conv1)
    d_conv1, d_gamma1, d_beta1 = _batchnorm_backward_by_hand(d_bn1, c.conv1, c.gamma1, c.bn1_cache)
    # conv1 = conv2d(x, w1, stride, padding 1)
    d_x_branch, d_w1 = _conv_backward_by_hand(d_conv1, c.x, c.w1, c.stride)
    # shortcut = x, or option A: x[:, :, ::stride, ::stride] and zero channels (whose gradient goes nowhere)
    if c.shortcut_cache is None:
        d_x_shortcut = d_shortcut
    else:
        d_x_shortcut = np.zeros_like(c.x)
        d_x_shortcut[:, :, :: c.stride, :: c.stride] = d_shortcut[:, : c.x.shape[1]]
    # x fed both paths: its gradient is the sum of the two
    d_x = d_x_branch + d_x_shortcut
    return {"d_sum": d_sum, "d_bn2": d_bn2, "d_shortcut": d_shortcut, "d_conv2": d_conv2, "d_gamma2": d_gamma2,
            "d_beta2": d_beta2, "d_relu1": d_relu1, "d_w2": d_w2, "d_bn1": d_bn1, "d_conv1": d_conv1,
            "d_gamma1": d_gamma1, "d_beta1": d_beta1, "d_x_branch": d_x_branch, "d_w1": d_w1,
            "d_x_shortcut": d_x_shortcut, "d_x": d_x}


TEMPLATE = '''\
def basic_block_backward(d_relu2, cache):
    """d_relu2 = dL/d(block output) -> a dict of every intermediate gradient, named as below.

    cache (a BasicBlockCache) holds x, w1, gamma1, beta1, w2, gamma2, beta2, stride, training, every value of
    the forward (cache.conv1, cache.bn1, cache.relu1, cache.conv2, cache.bn2, cache.shortcut, cache.sum,
    cache.relu2) and each op's own cache (cache.conv1_cache, ..., cache.relu2_cache; shortcut_cache is None for
    the identity). You may call the op backward functions you wrote (or the library's) with those caches.
    """
    raise NotImplementedError  # delete this line, then replace every ... below
    # relu2 = max(0, sum)
    d_sum = ...
    # sum = bn2 + shortcut
    d_bn2 = ...
    d_shortcut = ...
    # bn2 = batchnorm(conv2)
    d_conv2, d_gamma2, d_beta2 = ...
    # conv2 = conv2d(relu1, w2, stride 1, padding 1)
    d_relu1, d_w2 = ...
    # relu1 = max(0, bn1)
    d_bn1 = ...
    # bn1 = batchnorm(conv1)
    d_conv1, d_gamma1, d_beta1 = ...
    # conv1 = conv2d(x, w1, stride, padding 1)
    d_x_branch, d_w1 = ...
    # shortcut = x (identity), or zero_pad_shortcut(x) (option A) when cache.shortcut_cache is not None
    d_x_shortcut = ...
    # x fed both paths
    d_x = ...
    return {"d_sum": d_sum, "d_bn2": d_bn2, "d_shortcut": d_shortcut, "d_conv2": d_conv2, "d_gamma2": d_gamma2,
            "d_beta2": d_beta2, "d_relu1": d_relu1, "d_w2": d_w2, "d_bn1": d_bn1, "d_conv1": d_conv1,
            "d_gamma1": d_gamma1, "d_beta1": d_beta1, "d_x_branch": d_x_branch, "d_w1": d_w1,
            "d_x_shortcut": d_x_shortcut, "d_x": d_x}
'''

