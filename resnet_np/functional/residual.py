"""The residual connection y = F(x) + x, and the paper's parameter-free "option A" shortcut.

Residual add. Forward: out = shortcut + residual. Backward: the derivative of a sum with respect to each term is 1,
so the upstream gradient goes unchanged to BOTH paths:
    d_shortcut = dout,  d_residual = dout
This is the "+ x" that keeps the gradient alive in a deep ResNet: through the shortcut, dL/dx receives dL/dy
undiminished, whatever the residual branch F does. (Where the two paths meet again at the block input, their
gradients are summed: dL/dx = d_shortcut + dF/dx^T d_residual.)

Option A shortcut (He et al. 2015, section 3.3): when a block halves the feature map and doubles the filters,
the identity cannot be added as it is. Option A keeps it parameter-free: take every stride-th pixel, then append
zero channels after the input's channels so the shapes match.
    x (N, C, H, W) -> out (N, out_channels, ceil(H / stride), ceil(W / stride)),
    out[:, :C] = x[:, :, ::stride, ::stride],  out[:, C:] = 0
Backward: the kept pixels get the gradient of their copies; skipped pixels and the zero channels contribute
nothing.
"""

from typing import NamedTuple

import numpy as np

from ..validation import positive_int, require_float, require_ndim


class ResidualAddCache(NamedTuple):
    shape: tuple


def residual_add_forward(shortcut, residual):
    """shortcut, residual: arrays of the same shape -> out = shortcut + residual."""
    shortcut, residual = np.asarray(shortcut), np.asarray(residual)
    if shortcut.shape != residual.shape:
        raise ValueError(f"residual_add: the shortcut {shortcut.shape} and the residual branch {residual.shape} "
                         "must have the same shape")
    if shortcut.dtype != residual.dtype:
        raise ValueError(f"residual_add: shortcut dtype {shortcut.dtype} differs from residual dtype "
                         f"{residual.dtype}")
    return shortcut + residual, ResidualAddCache(shortcut.shape)


def residual_add_backward(dout, cache):
    """dout -> (d_shortcut, d_residual), both equal to dout: the gradient splits, unchanged, into both paths.

    Both are the very same array (no copy is needed because no backward modifies its dout in place).
    """
    if dout.shape != cache.shape:
        raise ValueError(f"residual_add_backward: dout must have shape {cache.shape}, got {dout.shape}")
    return dout, dout


class ZeroPadShortcutCache(NamedTuple):
    x_shape: tuple
    stride: int


def zero_pad_shortcut_forward(x, out_channels, stride=1):
    """x (N, C, H, W) -> (N, out_channels, ceil(H/stride), ceil(W/stride)); the paper's option A."""
    x = require_ndim("zero_pad_shortcut", "x", x, 4, "(N, C, H, W)")
    require_float("zero_pad_shortcut", "x", x)
    stride = positive_int("zero_pad_shortcut", "stride", stride)
    out_channels = positive_int("zero_pad_shortcut", "out_channels", out_channels)
    n_images, channels = x.shape[:2]
    if out_channels < channels:
        raise ValueError(f"zero_pad_shortcut: out_channels ({out_channels}) must be at least the input's "
                         f"channels ({channels}); option A can only add channels")
    subsampled = x[:, :, ::stride, ::stride]
    out = np.zeros((n_images, out_channels) + subsampled.shape[2:], dtype=x.dtype)
    out[:, :channels] = subsampled
    return out, ZeroPadShortcutCache(x.shape, stride)


def zero_pad_shortcut_backward(dout, cache):
    """dout (N, out_channels, h, w) -> dx (N, C, H, W): gradient to the kept pixels, zero elsewhere."""
    n_images, channels, height, width = cache.x_shape
    stride = cache.stride
    expected_hw = (-(-height // stride), -(-width // stride))
    if dout.ndim != 4 or dout.shape[0] != n_images or dout.shape[1] < channels or dout.shape[2:] != expected_hw:
        raise ValueError(f"zero_pad_shortcut_backward: dout must be (N={n_images}, >= {channels}, "
                         f"{expected_hw[0]}, {expected_hw[1]}), got {dout.shape}")
    dx = np.zeros(cache.x_shape, dtype=dout.dtype)
    dx[:, :, ::stride, ::stride] = dout[:, :channels]
    return dx
