"""Batch normalisation over the channels of an image batch (Ioffe & Szegedy 2015), as in nn.BatchNorm2d.

For each channel c, over the M = N*H*W values of that channel:
    training:  mean = average of x,  var = average of (x - mean)^2           (biased: divide by M)
               running_mean = (1 - momentum) * running_mean + momentum * mean
               running_var  = (1 - momentum) * running_var  + momentum * var * M / (M - 1)   (unbiased)
    eval:      mean = running_mean,  var = running_var
    x_hat = (x - mean) / sqrt(var + eps)
    out   = gamma * x_hat + beta

Backward, with g = dout:
    dbeta  = sum of g
    dgamma = sum of g * x_hat
    training:  dx = gamma / sqrt(var + eps) * (g - dbeta / M - x_hat * dgamma / M)
               (the last two terms are there because mean and var depend on every x of the channel)
    eval:      dx = gamma / sqrt(var + eps) * g      (mean and var are constants)

The cache keeps x, not x_hat: x_hat is recomputed from x in the backward (one multiply-add per value).
"""

from typing import NamedTuple

import numpy as np

from ..validation import require_float, require_ndim, require_same_dtype, require_shape

CHANNEL_AXES = (0, 2, 3)  # everything but the channel axis


class BatchNorm2dCache(NamedTuple):
    """What the backward needs. x is a reference, not a copy: do not modify it in place before the backward."""

    x: np.ndarray
    mean: np.ndarray  # the mean used to normalise (batch mean in training, running_mean in eval), x's dtype
    gamma: np.ndarray
    inv_std: np.ndarray  # 1 / sqrt(var + eps), per channel
    training: bool

    @property
    def x_hat(self):
        return (self.x - per_channel(self.mean)) * per_channel(self.inv_std)


def batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """x (N, C, H, W); gamma, beta, running_mean, running_var (C,) -> out (N, C, H, W).

    In training, running_mean and running_var are updated in place (exactly as PyTorch does).
    """
    x = check_batchnorm2d_inputs(x, gamma, beta, running_mean, running_var, training)
    if training:
        count = x.shape[0] * x.shape[2] * x.shape[3]
        mean = x.mean(axis=CHANNEL_AXES)
        centered = x - per_channel(mean)
        var = np.mean(centered * centered, axis=CHANNEL_AXES)
        update_running_statistics(running_mean, running_var, mean, var, momentum, count)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        centered = x - per_channel(mean)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    x_hat = centered * per_channel(inv_std)
    out = x_hat * per_channel(gamma) + per_channel(beta)
    return out, BatchNorm2dCache(x, mean.astype(x.dtype), gamma, inv_std, training)


def batchnorm2d_backward(dout, cache):
    """dout (N, C, H, W) -> (dx (N, C, H, W), dgamma (C,), dbeta (C,))."""
    require_shape("batchnorm2d_backward", "dout", dout, cache.x.shape)
    x_hat = cache.x_hat
    dbeta = dout.sum(axis=CHANNEL_AXES)
    dgamma = (dout * x_hat).sum(axis=CHANNEL_AXES)
    scale = per_channel(cache.gamma * cache.inv_std)
    if not cache.training:
        return dout * scale, dgamma, dbeta
    count = dout.size // dout.shape[1]
    dx = scale * (dout - per_channel(dbeta / count) - x_hat * per_channel(dgamma / count))
    return dx, dgamma, dbeta


def per_channel(vector):
    return vector.reshape(1, -1, 1, 1)


def check_batchnorm2d_inputs(x, gamma, beta, running_mean, running_var, training):
    """Validate the forward's arguments (one ValueError naming the argument); return x as an array."""
    x = require_ndim("batchnorm2d", "x", x, 4, "(N, C, H, W)")
    require_float("batchnorm2d", "x", x)
    channels = x.shape[1]
    for name, vector in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                         ("running_var", running_var)):
        require_shape("batchnorm2d", name, vector, (channels,))
    require_same_dtype("batchnorm2d", "x", x, gamma=gamma, beta=beta)

    if training and x.shape[0] == 0:
        raise ValueError(f"batchnorm2d: training needs a batch of at least one image, got an empty batch {x.shape}")
    if training and x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"batchnorm2d: training needs more than one value per channel, got x shape {x.shape}")
    return x


def update_running_statistics(running_mean, running_var, mean, var, momentum, count):
    running_mean *= 1 - momentum
    running_mean += momentum * mean
    running_var *= 1 - momentum
    running_var += momentum * var * (count / (count - 1))  # the running variance is the unbiased estimate
