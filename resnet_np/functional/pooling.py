"""Pooling: max pooling (the 3x3/2 pool after the ResNet stem) and global average pooling (before the FC layer).

Max pool: each output is the largest value of its kernel_size window; the gradient goes only to that one input
(the argmax), and where windows overlap an input can collect gradient from several outputs.
Padding is with -infinity, as PyTorch does, so a padded position never wins.
Ties go to the first maximum in window order (row by row), and a NaN wins, as NumPy's argmax decides.

Global average pool: out[n, c] = mean of x[n, c, :, :]; every input pixel receives dout[n, c] / (H * W).
"""

from typing import NamedTuple

import numpy as np

from ..validation import pair, require_float, require_ndim
from .im2col import conv_output_size


class MaxPool2dCache(NamedTuple):
    x_shape: tuple
    padded_shape: tuple
    argmax_flat: np.ndarray  # for every output, the flat index of its winner inside the padded input
    padding: tuple


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    """x (N, C, H, W) -> out (N, C, out_h, out_w), out_h = (H + 2*padding - kernel) // stride + 1.

    stride defaults to kernel_size (as in PyTorch); padding may be at most half the kernel.
    The windows are a strided view of the padded input (no copy); argmax over each finds the winner.
    """
    x, (kh, kw), (stride_h, stride_w), (pad_h, pad_w), (out_h, out_w) = check_maxpool2d_inputs(x, kernel_size, stride,
                                                                                        padding)
    n_images, channels = x.shape[:2]

    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)), constant_values=-np.inf)
    padded_height, padded_width = x_padded.shape[2:]
    # windows[n, c, oh, ow, i, j] = x_padded[n, c, oh*stride + i, ow*stride + j]  (a view, no copy)
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kh, kw), axis=(2, 3))
    windows = windows[:, :, : stride_h * out_h : stride_h, : stride_w * out_w : stride_w]
    windows = windows.reshape(n_images, channels, out_h, out_w, kh * kw)
    winner = windows.argmax(axis=-1)
    out = np.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]

    # Where is each winner in the padded input, as one flat index? (Needed to route the gradient back.)
    i, j = np.divmod(winner, kw)
    rows = np.arange(out_h).reshape(1, 1, -1, 1) * stride_h + i
    cols = np.arange(out_w).reshape(1, 1, 1, -1) * stride_w + j
    planes = np.arange(n_images * channels).reshape(n_images, channels, 1, 1)
    argmax_flat = (planes * padded_height + rows) * padded_width + cols
    return out, MaxPool2dCache(x.shape, x_padded.shape, argmax_flat, (pad_h, pad_w))


def maxpool2d_backward(dout, cache):
    """dout (N, C, out_h, out_w) -> dx (N, C, H, W): each dout goes to its window's argmax, summed on overlaps."""
    if dout.shape != cache.argmax_flat.shape:
        raise ValueError(f"maxpool2d_backward: dout must have shape {cache.argmax_flat.shape}, got {dout.shape}")
    dx_padded = np.zeros(int(np.prod(cache.padded_shape)), dtype=dout.dtype)
    np.add.at(dx_padded, cache.argmax_flat.ravel(), dout.ravel())  # add.at: overlapping windows may share a winner
    dx_padded = dx_padded.reshape(cache.padded_shape)
    pad_h, pad_w = cache.padding
    height, width = cache.x_shape[2:]
    return np.ascontiguousarray(dx_padded[:, :, pad_h : pad_h + height, pad_w : pad_w + width])


class GlobalAvgPoolCache(NamedTuple):
    x_shape: tuple


def global_avgpool_forward(x):
    """x (N, C, H, W) -> out (N, C): the mean of each feature map."""
    x = require_ndim("global_avgpool", "x", x, 4, "(N, C, H, W)")
    require_float("global_avgpool", "x", x)
    return x.mean(axis=(2, 3)), GlobalAvgPoolCache(x.shape)


def global_avgpool_backward(dout, cache):
    """dout (N, C) -> dx (N, C, H, W) = dout / (H * W) at every pixel."""
    n_images, channels, height, width = cache.x_shape
    if dout.shape != (n_images, channels):
        raise ValueError(f"global_avgpool_backward: dout must have shape {(n_images, channels)}, got {dout.shape}")
    scale = dout / (height * width)
    return np.ascontiguousarray(np.broadcast_to(scale[:, :, None, None], cache.x_shape))


def check_maxpool2d_inputs(x, kernel_size, stride, padding):
    """Validate; return x, (kh, kw), (stride_h, stride_w), (pad_h, pad_w), (out_h, out_w)."""
    x = require_ndim("maxpool2d", "x", x, 4, "(N, C, H, W)")
    require_float("maxpool2d", "x", x)
    kh, kw = pair("maxpool2d", "kernel_size", kernel_size, 1)
    stride_h, stride_w = pair("maxpool2d", "stride", kernel_size if stride is None else stride, 1)
    pad_h, pad_w = pair("maxpool2d", "padding", padding, 0)
    if pad_h > kh // 2 or pad_w > kw // 2:
        raise ValueError(f"maxpool2d: padding {padding} must be at most half the kernel size {kernel_size}")
    n_images, channels, height, width = x.shape
    if kh > height + 2 * pad_h or kw > width + 2 * pad_w:
        raise ValueError(f"maxpool2d: kernel {kh}x{kw} is larger than the padded input "
                         f"{height + 2 * pad_h}x{width + 2 * pad_w}")
    out_h = conv_output_size(height, kh, stride_h, pad_h)
    out_w = conv_output_size(width, kw, stride_w, pad_w)
    return x, (kh, kw), (stride_h, stride_w), (pad_h, pad_w), (out_h, out_w)
