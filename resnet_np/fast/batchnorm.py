"""The engine's BatchNorm: the formulas of resnet_np/functional/batchnorm.py with the fused Numba kernels of
batchnorm_kernels.py (a few passes over memory instead of ~10), on chunks of images and several threads at once
(see chunks.py). Per-channel sums are accumulated in float64 and added up over the chunks, in chunk order.
Same arguments, results (to rounding) and cache as the reference.
"""

import numpy as np

from ..functional import batchnorm as reference
from ..functional.batchnorm import (
    BatchNorm2dCache,
    check_batchnorm2d_inputs,
    per_channel,
    update_running_statistics,
)
from ..validation import require_shape
from . import batchnorm_kernels
from .chunks import rows_per_chunk, run_in_chunks, sum_in_order


def batchnorm2d_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    """x (N, C, H, W); gamma, beta, running_mean, running_var (C,) -> out (N, C, H, W).

    In training, running_mean and running_var are updated in place (exactly as PyTorch does).
    """
    x = np.ascontiguousarray(check_batchnorm2d_inputs(x, gamma, beta, running_mean, running_var, training))
    chunk = rows_per_chunk(x.shape)
    planes = _planes(x)
    if training:
        count = x.size // x.shape[1]
        mean64 = _sum_over_chunks(batchnorm_kernels.channel_sums, planes, chunk) / count
        var64 = _sum_over_chunks(batchnorm_kernels.squared_deviation_sums, planes, chunk, mean64) / count
        mean, var = mean64.astype(x.dtype), var64.astype(x.dtype)
        update_running_statistics(running_mean, running_var, mean, var, momentum, count)
    else:
        mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
    gamma, beta = np.ascontiguousarray(gamma), np.ascontiguousarray(beta)
    out = np.empty_like(x)
    out_planes = _planes(out)

    def normalize(first, stop):
        batchnorm_kernels.normalize(planes[first:stop], mean, inv_std, gamma, beta, out_planes[first:stop])

    run_in_chunks(normalize, x.shape[0], chunk)
    return out, BatchNorm2dCache(x, mean, gamma, inv_std, training)


def batchnorm2d_backward(dout, cache):
    """dout (N, C, H, W) -> (dx (N, C, H, W), dgamma (C,), dbeta (C,))."""
    dout = np.asarray(dout)
    x, mean, inv_std = cache.x, cache.mean, cache.inv_std
    if dout.dtype != x.dtype:  # mixed dtypes (a float64 dout on a float32 layer): NumPy's type promotion
        return reference.batchnorm2d_backward(dout, cache)
    require_shape("batchnorm2d_backward", "dout", dout, x.shape)
    dout = np.ascontiguousarray(dout)
    chunk = rows_per_chunk(dout.shape)
    dout_planes, x_planes = _planes(dout), _planes(x)

    def gradient_sums(first, stop):
        dbeta_sums, dgamma_sums = np.empty(dout.shape[1]), np.empty(dout.shape[1])
        batchnorm_kernels.gradient_sums(dout_planes[first:stop], x_planes[first:stop], mean, inv_std, dbeta_sums,
                                        dgamma_sums)
        return dbeta_sums, dgamma_sums

    dbeta64, dgamma64 = sum_in_order(run_in_chunks(gradient_sums, dout.shape[0], chunk))
    dbeta, dgamma = dbeta64.astype(dout.dtype), dgamma64.astype(dout.dtype)
    scale = cache.gamma * inv_std
    if not cache.training:
        return dout * per_channel(scale), dgamma, dbeta
    count = dout.size // dout.shape[1]
    dbeta_mean, dgamma_mean = (dbeta64 / count).astype(dout.dtype), (dgamma64 / count).astype(dout.dtype)
    dx = np.empty_like(dout)
    dx_planes = _planes(dx)

    def input_gradient(first, stop):
        batchnorm_kernels.input_gradient(dout_planes[first:stop], x_planes[first:stop], mean, inv_std, scale,
                                         dbeta_mean, dgamma_mean, dx_planes[first:stop])

    run_in_chunks(input_gradient, dout.shape[0], chunk)
    return dx, dgamma, dbeta


def _planes(array):
    """A C-contiguous (N, C, H, W) array as (N, C, H*W), the kernels' layout (a view)."""
    n_images, channels, height, width = array.shape
    return array.reshape(n_images, channels, height * width)


def _sum_over_chunks(kernel, x, chunk, *arguments):
    """Run kernel(x[first:stop], *arguments, sums) on every chunk; return the sum of the chunks' sums (float64)."""

    def chunk_sums(first, stop):
        sums = np.empty(x.shape[1])
        kernel(x[first:stop], *arguments, sums)
        return sums

    return sum_in_order(run_in_chunks(chunk_sums, x.shape[0], chunk))
