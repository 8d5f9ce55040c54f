"""The engine's max pooling: the Numba kernels of pooling_kernels.py (same winners and index bookkeeping as
resnet_np/functional/pooling.py), on chunks of images and several threads. Global average pooling needs no engine:
the reference is one NumPy mean.
"""

import numpy as np

from ..functional.pooling import MaxPool2dCache, check_maxpool2d_inputs
from . import pooling_kernels
from .chunks import rows_per_chunk, run_in_chunks
from .workspace import scratch


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    """x (N, C, H, W) -> out (N, C, out_h, out_w), out_h = (H + 2*padding - kernel) // stride + 1.

    stride defaults to kernel_size (as in PyTorch); padding may be at most half the kernel.
    """
    x, (kh, kw), (stride_h, stride_w), (pad_h, pad_w), (out_h, out_w) = check_maxpool2d_inputs(
        x, kernel_size, stride, padding)
    x = np.ascontiguousarray(x)
    n_images, channels, height, width = x.shape
    out = np.empty((n_images, channels, out_h, out_w), dtype=x.dtype)
    argmax_flat = np.empty(out.shape, dtype=np.int64)

    def forward(first, stop):
        pooling_kernels.maxpool_forward_kernel(x[first:stop], kh, kw, stride_h, stride_w, pad_h, pad_w,
                                               first * channels, out[first:stop], argmax_flat[first:stop])

    run_in_chunks(forward, n_images, rows_per_chunk(x.shape))
    padded_shape = (n_images, channels, height + 2 * pad_h, width + 2 * pad_w)
    return out, MaxPool2dCache(x.shape, padded_shape, argmax_flat, (pad_h, pad_w))


def maxpool2d_backward(dout, cache):
    """dout (N, C, out_h, out_w) -> dx (N, C, H, W): each dout goes to its window's argmax, summed on overlaps."""
    if dout.shape != cache.argmax_flat.shape:
        raise ValueError(f"maxpool2d_backward: dout must have shape {cache.argmax_flat.shape}, got {dout.shape}")
    dout = np.ascontiguousarray(dout)
    n_images, channels, height, width = cache.x_shape
    pad_h, pad_w = cache.padding
    dx = np.empty(cache.x_shape, dtype=dout.dtype)

    def backward(first, stop):
        padded = scratch("pool gradient", (stop - first,) + cache.padded_shape[1:], dout.dtype)
        pooling_kernels.maxpool_backward_kernel(dout[first:stop], cache.argmax_flat[first:stop], first * channels,
                                                padded)
        dx[first:stop] = padded[:, :, pad_h : pad_h + height, pad_w : pad_w + width]

    run_in_chunks(backward, n_images, rows_per_chunk(cache.x_shape))
    return dx
