"""Exercise "batchnorm2d": batch normalisation forward and backward, in training and in eval mode.

Signature and cache as in resnet_np/functional/batchnorm.py:
    batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5)
        -> (out, cache); in training, running_mean and running_var are updated IN PLACE, as PyTorch does:
           running = (1 - momentum) * running + momentum * batch statistic, the variance unbiased (M / (M - 1))
    batchnorm2d_backward(dout, cache) -> (dx, dgamma, dbeta)
The recognised mistakes: the training dx without the terms through the batch mean and variance; the running
variance biased; momentum the wrong way round (Keras's convention); eval mode normalising with the batch's
statistics, or its backward using the training formula; normalising with the unbiased variance.
"""

from functools import partial

import numpy as np

from .. import functional as F
from .opcase import Op, grade_op
from .registry import Exercise
from .runner import Case

FUNCTIONS = ("batchnorm2d_forward", "batchnorm2d_backward")
AXES = (0, 2, 3)

TEMPLATE = '''\
def batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """x (N, C, H, W); gamma, beta, running_mean, running_var (C,) -> (out (N, C, H, W), cache).

    Per channel, over its M = N*H*W values:
      training: mean, var = the batch's (var biased: divide by M); update running_mean and running_var IN PLACE:
                running = (1 - momentum) * running + momentum * batch statistic, with the UNBIASED variance
                var * M / (M - 1) for running_var
      eval:     mean, var = running_mean, running_var (left unchanged)
      out = gamma * (x - mean) / sqrt(var + eps) + beta
    """
    raise NotImplementedError  # your code here


def batchnorm2d_backward(dout, cache):
    """dout (N, C, H, W) -> (dx (N, C, H, W), dgamma (C,), dbeta (C,)), for the mode the forward ran in."""
    raise NotImplementedError  # your code here
'''


def _channel(vector):
    return np.asarray(vector, dtype=np.float64).reshape(1, -1, 1, 1)


def _statistics(x, ddof=0):
    x = np.asarray(x, dtype=np.float64)
    return x.mean(axis=AXES), x.var(axis=AXES, ddof=ddof)


def _grouped_wrongly(x, gamma, beta, running_mean, running_var, training, eps):
    """BatchNorm's out with the values grouped into 'channels' by x.reshape(C, -1) (the rows of that reshape)."""
    channels = x.shape[1]
    rows = x.reshape(channels, -1)
    mean, var = (rows.mean(axis=1), rows.var(axis=1)) if training else (running_mean, running_var)
    x_hat = ((rows - mean[:, None]) / np.sqrt(var[:, None] + eps)).reshape(x.shape)
    return _channel(gamma) * x_hat + _channel(beta)


def _forward_hints(case, view, training, momentum, eps):
    x, gamma, beta = (np.asarray(view.args[name], np.float64) for name in ("x", "gamma", "beta"))
    old_mean, old_var = (np.asarray(view.args[name], np.float64) for name in ("running_mean", "running_var"))
    count = x.shape[0] * x.shape[2] * x.shape[3]
    mean, var = _statistics(x)
    new_mean, new_var = view.state["running_mean"], view.state["running_var"]
    if training:
        if np.array_equal(new_mean, view.args["running_mean"]) and np.array_equal(new_var, view.args["running_var"]):
            case.hint("bn-running-not-updated", "running_mean and running_var are unchanged after a training "
                      "forward. Update them in place (running_mean *= 1 - momentum; running_mean += momentum * "
                      "mean, or running_mean[...] = ...): `running_mean = ...` only rebinds your local name, and "
                      "the caller's array (the layer's buffer) never sees the new value.",
                      about=("running_mean", "running_var"))
        if case.matches(new_var, (1 - momentum) * old_var + momentum * var) and count > 1:
            case.hint("bn-biased-running-var", "your running_var uses the biased batch variance (divided by M). "
                      "PyTorch keeps the UNBIASED estimate in running_var: var * M / (M - 1), with M = N*H*W "
                      "values per channel (the batch's own normalisation still uses the biased var).",
                      about="running_var")
        reversed_statistics = [name for name, got, candidate in (
            ("running_mean", new_mean, momentum * old_mean + (1 - momentum) * mean),
            ("running_var", new_var, momentum * old_var + (1 - momentum) * var * count / (count - 1)))
            if case.recognise(got, candidate, view.ref_state[name])]
        if reversed_statistics:
            case.hint("bn-momentum-reversed", "your running statistics use momentum the other way round (running "
                      "= momentum * running + (1 - momentum) * batch, Keras's convention). PyTorch's momentum is "
                      "the weight of the NEW batch: running = (1 - momentum) * running + momentum * batch.",
                      about=reversed_statistics[:1])
        unbiased = _statistics(x, ddof=1)[1]
        if case.matches(view.out, _channel(gamma) * (x - _channel(mean)) / np.sqrt(_channel(unbiased) + eps)
                        + _channel(beta)):
            case.hint("bn-normalise-unbiased", "your forward normalises with the unbiased variance (divided by "
                      "M - 1). The batch is normalised with the biased one (divided by M, np.var's default); "
                      "only running_var keeps the unbiased estimate.", about="out")
    else:
        if not (np.array_equal(new_mean, view.args["running_mean"])
                and np.array_equal(new_var, view.args["running_var"])):
            case.hint("bn-eval-updates-running", "your eval forward changed running_mean or running_var: in eval "
                      "mode they are only read, never updated.",
                      about=[name for name in ("running_mean", "running_var")
                             if not np.array_equal(view.state[name], view.args[name])][:1])
        if case.matches(view.out, _channel(gamma) * (x - _channel(mean)) / np.sqrt(_channel(var) + eps)
                        + _channel(beta)):
            case.hint("bn-eval-uses-batch-stats", "in eval mode your forward normalises with the batch's mean and "
                      "variance. Eval mode uses running_mean and running_var instead, so that an image's output "
                      "does not depend on the other images of its batch.", about="out")
    if case.recognise(view.out, _grouped_wrongly(x, gamma, beta, old_mean, old_var, training, eps), view.ref_out):
        case.hint("bn-channel-grouping", "your out is what BatchNorm gives when the values are grouped into "
                  "channels with x.reshape(C, -1). In (N, C, H, W) order that reshape does not put one channel in "
                  "a row: each row mixes images and channels (with N = 1 the two agree). Take the statistics "
                  "over the axes (0, 2, 3), x.mean(axis=(0, 2, 3)), or move the channel axis first: "
                  "x.transpose(1, 0, 2, 3).reshape(C, -1).", about="out")


def _backward_hints(case, view, training, eps):
    dx = view.grads.get("dx")
    if dx is None:
        return
    x, gamma = np.asarray(view.args["x"], np.float64), np.asarray(view.args["gamma"], np.float64)
    dout = np.asarray(view.dout, np.float64)
    if training:
        mean, var = _statistics(x)
    else:
        mean, var = (np.asarray(view.args[name], np.float64) for name in ("running_mean", "running_var"))
    inv_std = 1 / np.sqrt(_channel(var) + eps)
    x_hat = (x - _channel(mean)) * inv_std
    scale = _channel(gamma) * inv_std
    mean_term = dout.mean(axis=AXES, keepdims=True)
    var_term = x_hat * (dout * x_hat).mean(axis=AXES, keepdims=True)
    dgamma = view.grads.get("dgamma")
    if dgamma is not None and case.matches(dgamma, (dout * x).sum(axis=AXES)):
        case.hint("bn-dgamma-x", "your dgamma is sum(dout * x); gamma multiplies x_hat, the NORMALISED x, so "
                  "dgamma = sum over (N, H, W) of dout * x_hat.", about="dgamma")
    if case.matches(dx, view.ref_grads["dx"]):
        return
    if training:
        for candidate, missing in ((scale * dout, "both the term through the batch mean and the one through the "
                                                  "batch variance"),
                                   (scale * (dout - var_term), "the term through the batch mean"),
                                   (scale * (dout - mean_term), "the term through the batch variance")):
            if case.recognise(dx, candidate, view.ref_grads["dx"]):
                case.hint("bn-batch-terms", f"your training dx lacks {missing}. In training, the mean and the "
                          "variance are computed from the batch, so every x of a channel moves them, and dx gets "
                          "one more term along each of those two paths (notebook 04, section 4.2: chain the local "
                          "derivatives of the mean and of the variance). Only in eval mode, where they are "
                          "constants, is dx = gamma / sqrt(var + eps) * dout.", about="dx")
                return
    elif case.recognise(dx, scale * (dout - mean_term - var_term), view.ref_grads["dx"]):
        case.hint("bn-eval-backward", "your eval-mode dx uses the training formula. In eval mode, mean and var are "
                  "the running statistics, constants that do not depend on x, so dx = gamma / sqrt(running_var + "
                  "eps) * dout.", about="dx")


# (x shape, training, momentum, eps, dtype, description)
CONFIGURATIONS = [
    ((3, 4, 3, 5), True, 0.1, 1e-5, np.float64, "train"),
    ((3, 4, 3, 5), False, 0.1, 1e-5, np.float64, "eval"),
    ((1, 2, 5, 3), True, 0.1, 1e-5, np.float64, "train, batch 1"),
    ((2, 3, 4, 4), True, 0.3, 1e-3, np.float64, "train, momentum 0.3, eps 1e-3"),
    ((4, 3, 4, 4), True, 0.1, 1e-5, np.float32, "train, float32"),
    ((2, 3, 3, 3), False, 0.1, 1e-5, np.float32, "eval, float32"),
]


def _grade(case, x_shape, training, momentum, eps, dtype, seed):
    rng = np.random.default_rng(seed)
    channels = x_shape[1]
    # Channels with their own mean and spread (as after a convolution), so that the mean and variance matter.
    means, spreads = rng.uniform(-2, 2, channels), rng.uniform(0.5, 3, channels)
    x = rng.normal(means.reshape(1, -1, 1, 1), spreads.reshape(1, -1, 1, 1), x_shape).astype(dtype)
    gamma, beta = rng.uniform(0.5, 2, channels).astype(dtype), rng.standard_normal(channels).astype(dtype)
    running_mean = rng.standard_normal(channels).astype(dtype)
    running_var = rng.uniform(0.5, 2, channels).astype(dtype)
    op = Op("batchnorm2d_forward", "batchnorm2d_backward", F.batchnorm2d_forward, F.batchnorm2d_backward)
    args = [("x", x), ("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var),
            ("training", training), ("momentum", momentum), ("eps", eps)]

    def hints(case, view):
        _forward_hints(case, view, training, momentum, eps)
        _backward_hints(case, view, training, eps)

    grade_op(case, op, args, [("dx", "x"), ("dgamma", "gamma"), ("dbeta", "beta")],
             state=("running_mean", "running_var"), seed=seed, hints=hints)


def cases():
    return [Case(f"{text}: x{shape}", partial(_grade, x_shape=shape, training=training, momentum=momentum, eps=eps,
                                              dtype=dtype, seed=40 + index))
            for index, (shape, training, momentum, eps, dtype, text) in enumerate(CONFIGURATIONS)]


EXERCISES = [
    Exercise(
        name="batchnorm2d", title="BatchNorm2d forward and backward, train and eval", functions=FUNCTIONS,
        reference=lambda: (F.batchnorm2d_forward, F.batchnorm2d_backward), cases=cases,
        checked="in training and in eval mode (batch 1, non-default momentum and eps, float32): out, the running "
                "statistics after the forward (updated in place in training as PyTorch does, unchanged in eval), "
                "dx, dgamma, dbeta against the model answer (shape, dtype, values); the gradients against central "
                "differences of your forward (float64, random upstream gradient); x, gamma, beta and dout left "
                "unchanged.",
        notebook="04_batchnorm2d.ipynb", template=TEMPLATE),
]
