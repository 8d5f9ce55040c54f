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

batchnorm2d_forward_reference / batchnorm2d_backward_reference below are the formulas above in NumPy: read those.
batchnorm2d_forward / batchnorm2d_backward compute the same with the fused Numba kernels of batchnorm_kernels.py
(a few passes over memory instead of ~10) when the backend is "numba" (see im2col.get_backend), else the reference.
The fused path works on chunks of images (several threads at once, see parallel.py): per-channel sums are
added up over the chunks, in chunk order.
"""

from typing import NamedTuple

import numpy as np

from . import batchnorm_kernels
from ._validation import require_float, require_ndim, require_same_dtype, require_shape
from .im2col import get_backend
from .parallel import rows_per_chunk, run_in_chunks

_CHANNEL_AXES = (0, 2, 3)  # everything but the channel axis


class BatchNorm2dCache(NamedTuple):
    """What the backward needs. x_hat is recomputed from x when needed (one multiply-add per value), rather than
    stored: the forward then writes one array instead of two. Memory is the same, as x (the previous layer's output)
    is no longer needed by anything else. x is a reference, not a copy: do not modify it in place before the
    backward."""

    x: np.ndarray
    mean: np.ndarray  # the mean used to normalise (batch mean in training, running_mean in eval), x's dtype
    gamma: np.ndarray
    inv_std: np.ndarray  # 1 / sqrt(var + eps), per channel
    training: bool

    @property
    def x_hat(self):
        return (self.x - _per_channel(self.mean)) * _per_channel(self.inv_std)


def _per_channel(vector):
    return vector.reshape(1, -1, 1, 1)


def _check_forward(x, gamma, beta, running_mean, running_var, training):
    """Validate the forward's arguments (one ValueError naming the argument); return x as an array."""
    x = require_ndim("batchnorm2d", "x", x, 4, "(N, C, H, W)")
    require_float("batchnorm2d", "x", x)
    channels = x.shape[1]
    for name, vector in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                         ("running_var", running_var)):
        require_shape("batchnorm2d", name, vector, (channels,))
    require_same_dtype("batchnorm2d", "x", x, gamma=gamma, beta=beta)

    if training and x.shape[0] * x.shape[2] * x.shape[3] < 2:
        raise ValueError(f"batchnorm2d: training needs more than one value per channel, got x shape {x.shape}")
    return x


def _update_running(running_mean, running_var, mean, var, momentum, count):
    running_mean *= 1 - momentum
    running_mean += momentum * mean
    running_var *= 1 - momentum
    running_var += momentum * var * (count / (count - 1))  # the running variance is the unbiased estimate


def batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """x (N, C, H, W); gamma, beta, running_mean, running_var (C,) -> out (N, C, H, W).

    In training, running_mean and running_var are updated in place (exactly as PyTorch does).
    """
    if get_backend() != "numba":
        return batchnorm2d_forward_reference(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    x = np.ascontiguousarray(_check_forward(x, gamma, beta, running_mean, running_var, training))
    chunk = rows_per_chunk(x.shape)
    if training:
        count = x.size // x.shape[1]
        mean64 = _sum_over_chunks(batchnorm_kernels.channel_sums, x, chunk) / count
        var64 = _sum_over_chunks(batchnorm_kernels.squared_deviation_sums, x, chunk, mean64) / count
        mean, var = mean64.astype(x.dtype), var64.astype(x.dtype)
        _update_running(running_mean, running_var, mean, var, momentum, count)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    gamma, beta = np.ascontiguousarray(gamma), np.ascontiguousarray(beta)
    out = np.empty_like(x)

    def normalize(first, stop):
        batchnorm_kernels.normalize(x[first:stop], mean, inv_std, gamma, beta, out[first:stop])

    run_in_chunks(normalize, x.shape[0], chunk)
    return out, BatchNorm2dCache(x, mean, gamma, inv_std, training)


def _sum_over_chunks(kernel, x, chunk, *arguments):
    """Run kernel(x[first:stop], *arguments, sums) on every chunk; return the sum of the chunks' sums (float64)."""

    def chunk_sums(first, stop):
        sums = np.empty(x.shape[1])
        kernel(x[first:stop], *arguments, sums)
        return sums

    return np.sum(run_in_chunks(chunk_sums, x.shape[0], chunk), axis=0)


def batchnorm2d_backward(dout, cache):
    """dout (N, C, H, W) -> (dx (N, C, H, W), dgamma (C,), dbeta (C,))."""
    dout = np.asarray(dout)
    x, mean, inv_std = cache.x, cache.mean, cache.inv_std
    if get_backend() != "numba" or dout.dtype != x.dtype:  # mixed dtypes: NumPy's type promotion
        return batchnorm2d_backward_reference(dout, cache)
    require_shape("batchnorm2d_backward", "dout", dout, x.shape)
    dout = np.ascontiguousarray(dout)
    chunk = rows_per_chunk(dout.shape)

    def gradient_sums(first, stop):
        dbeta_sums, dgamma_sums = np.empty(dout.shape[1]), np.empty(dout.shape[1])
        batchnorm_kernels.gradient_sums(dout[first:stop], x[first:stop], mean, inv_std, dbeta_sums, dgamma_sums)
        return dbeta_sums, dgamma_sums

    dbeta64, dgamma64 = np.sum(run_in_chunks(gradient_sums, dout.shape[0], chunk), axis=0)
    dbeta, dgamma = dbeta64.astype(dout.dtype), dgamma64.astype(dout.dtype)
    scale = cache.gamma * inv_std
    if not cache.training:
        return dout * _per_channel(scale), dgamma, dbeta
    count = dout.size // dout.shape[1]
    dbeta_mean, dgamma_mean = (dbeta64 / count).astype(dout.dtype), (dgamma64 / count).astype(dout.dtype)
    dx = np.empty_like(dout)

    def input_gradient(first, stop):
        batchnorm_kernels.input_gradient(dout[first:stop], x[first:stop], mean, inv_std, scale, dbeta_mean,
                                         dgamma_mean, dx[first:stop])

    run_in_chunks(input_gradient, dout.shape[0], chunk)
    return dx, dgamma, dbeta


def batchnorm2d_forward_reference(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1,
                                  eps=1e-5):
    """The NumPy reference of batchnorm2d_forward: same arguments, same results (up to rounding)."""
    x = _check_forward(x, gamma, beta, running_mean, running_var, training)
    if training:
        count = x.shape[0] * x.shape[2] * x.shape[3]
        mean = x.mean(axis=_CHANNEL_AXES)
        centered = x - _per_channel(mean)
        var = np.mean(centered * centered, axis=_CHANNEL_AXES)
        _update_running(running_mean, running_var, mean, var, momentum, count)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        centered = x - _per_channel(mean)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    x_hat = centered * _per_channel(inv_std)
    out = x_hat * _per_channel(gamma) + _per_channel(beta)
    return out, BatchNorm2dCache(x, mean.astype(x.dtype), gamma, inv_std, training)


def batchnorm2d_backward_reference(dout, cache):
    """The NumPy reference of batchnorm2d_backward."""
    require_shape("batchnorm2d_backward", "dout", dout, cache.x.shape)
    x_hat = cache.x_hat
    dbeta = dout.sum(axis=_CHANNEL_AXES)
    dgamma = (dout * x_hat).sum(axis=_CHANNEL_AXES)
    scale = _per_channel(cache.gamma * cache.inv_std)
    if not cache.training:
        return dout * scale, dgamma, dbeta
    count = dout.size // dout.shape[1]
    dx = scale * (dout - _per_channel(dbeta / count) - x_hat * _per_channel(dgamma / count))
    return dx, dgamma, dbeta
