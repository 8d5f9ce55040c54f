"""2-D convolution (cross-correlation, as in every deep-learning library) as im2col + one matrix product.

Forward, with cols = im2col(x) of shape (C*kh*kw, N*out_h*out_w) and W = w.reshape(K, C*kh*kw):
    out = W @ cols + b                      -> (K, N*out_h*out_w), rearranged to (N, K, out_h, out_w)
Backward, with D = dout rearranged to (K, N*out_h*out_w):
    dW    = D @ cols.T                      (each weight meets every input value it touched)
    db    = D summed over its columns
    dcols = W.T @ D,  dx = col2im(dcols)    (col2im adds up overlapping windows)

The cache keeps x (as PyTorch does), not cols: cols is kh*kw times larger (9x for a 3x3 conv), so the backward
builds it again. It holds a reference to x, not a copy: do not modify x in place between forward and backward.
"""

from typing import NamedTuple

import numpy as np

from ..validation import require_float, require_ndim, require_same_dtype, require_shape
from .im2col import col2im, im2col, window_geometry


class Conv2dCache(NamedTuple):
    x: np.ndarray  # the input: the backward needs it for dW
    w: np.ndarray
    geometry: tuple  # (stride_h, stride_w, pad_h, pad_w, out_h, out_w), see im2col.window_geometry
    has_bias: bool


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) or None -> out (N, K, out_h, out_w).

    out_h = (H + 2*padding - kh) // stride + 1, likewise out_w. stride and padding: int or (h, w) pair.
    """
    x, w, geometry = check_conv2d_inputs(x, w, b, stride, padding)
    n_images = x.shape[0]
    out_channels, _, kh, kw = w.shape
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry

    cols = im2col(x, kh, kw, (stride_h, stride_w), (pad_h, pad_w))  # (C*kh*kw, N*out_h*out_w)
    out = w.reshape(out_channels, -1) @ cols                          # (K, N*out_h*out_w)
    out = out.reshape(out_channels, n_images, out_h, out_w).transpose(1, 0, 2, 3)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(out), Conv2dCache(x, w, geometry, b is not None)


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None)."""
    x, w = cache.x, cache.w
    out_channels, _, kh, kw = w.shape
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = cache.geometry
    require_shape("conv2d_backward", "dout", dout, (x.shape[0], out_channels, out_h, out_w))

    d_matrix = dout.transpose(1, 0, 2, 3).reshape(out_channels, -1)  # D: (K, N*out_h*out_w)
    cols = im2col(x, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    dw = (d_matrix @ cols.T).reshape(w.shape)
    dcols = w.reshape(out_channels, -1).T @ d_matrix
    dx = col2im(dcols, x.shape, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    db = d_matrix.sum(axis=1) if cache.has_bias else None
    return dx, dw, db


def check_conv2d_inputs(x, w, b, stride, padding):
    """Validate conv2d's arguments (one ValueError naming the argument); return x, w as arrays and the geometry."""
    x = require_ndim("conv2d", "x", x, 4, "(N, C, H, W)")
    w = require_ndim("conv2d", "w", w, 4, "(K, C, kh, kw)")
    require_float("conv2d", "x", x)
    require_same_dtype("conv2d", "x", x, w=w, b=b)
    out_channels, weight_channels, kh, kw = w.shape
    if weight_channels != x.shape[1]:
        raise ValueError(f"conv2d: weight expects {weight_channels} input channels (w shape {w.shape}) "
                         f"but x has {x.shape[1]} (x shape {x.shape})")
    if b is not None:
        require_shape("conv2d", "b", b, (out_channels,))
    return x, w, window_geometry("conv2d", x.shape, kh, kw, stride, padding)
