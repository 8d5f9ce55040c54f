"""2-D convolution (cross-correlation, as in every deep-learning library) via im2col + one matrix product.

Forward, with cols = im2col(x) of shape (C*kh*kw, N*out_h*out_w) and W = w.reshape(K, C*kh*kw):
    out = W @ cols + b                      -> (K, N*out_h*out_w), reshaped to (N, K, out_h, out_w)
Backward, with D = dout rearranged to (K, N*out_h*out_w):
    dW    = D @ cols.T                      (each weight meets every input value it touched)
    db    = D summed over its columns
    dcols = W.T @ D,  dx = col2im(dcols)    (col2im adds up overlapping windows)
"""

from typing import NamedTuple

import numpy as np

from ._validation import pair, require_float, require_ndim, require_same_dtype, require_shape
from .im2col import col2im, im2col


class Conv2dCache(NamedTuple):
    x_shape: tuple
    w: np.ndarray
    cols: np.ndarray  # im2col(x): what the weight gradient needs
    stride: tuple
    padding: tuple
    has_bias: bool


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) or None -> out (N, K, out_h, out_w).

    out_h = (H + 2*padding - kh) // stride + 1, likewise out_w. stride and padding: int or (h, w) pair.
    """
    x = require_ndim("conv2d", "x", x, 4, "(N, C, H, W)")
    w = require_ndim("conv2d", "w", w, 4, "(K, C, kh, kw)")
    require_float("conv2d", "x", x)
    require_same_dtype("conv2d", "x", x, w=w, b=b)
    n_images, channels = x.shape[:2]
    out_channels, weight_channels, kh, kw = w.shape
    if weight_channels != channels:
        raise ValueError(
            f"conv2d: weight expects {weight_channels} input channels (w shape {w.shape}) "
            f"but x has {channels} (x shape {x.shape})"
        )
    if b is not None:
        require_shape("conv2d", "b", b, (out_channels,))
    stride, padding = pair("conv2d", "stride", stride, 1), pair("conv2d", "padding", padding, 0)

    cols = im2col(x, kh, kw, stride, padding)
    out = w.reshape(out_channels, -1) @ cols
    if b is not None:
        out += b[:, None]
    out_h = (x.shape[2] + 2 * padding[0] - kh) // stride[0] + 1
    out_w = (x.shape[3] + 2 * padding[1] - kw) // stride[1] + 1
    # The product is ordered (K, N, out_h, out_w); the network wants (N, K, out_h, out_w).
    out = np.ascontiguousarray(out.reshape(out_channels, n_images, out_h, out_w).transpose(1, 0, 2, 3))
    return out, Conv2dCache(x.shape, w, cols, stride, padding, b is not None)


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None)."""
    out_channels, _, kh, kw = cache.w.shape
    n_images = cache.x_shape[0]
    expected = (n_images, out_channels, cache.cols.shape[1] // n_images)
    if dout.ndim != 4 or (dout.shape[0], dout.shape[1], dout.shape[2] * dout.shape[3]) != expected:
        raise ValueError(f"conv2d_backward: dout must be (N={n_images}, K={out_channels}, out_h, out_w), "
                         f"got {dout.shape}")
    dout_matrix = dout.transpose(1, 0, 2, 3).reshape(out_channels, -1)
    dw = (dout_matrix @ cache.cols.T).reshape(cache.w.shape)
    db = dout_matrix.sum(axis=1) if cache.has_bias else None
    dcols = cache.w.reshape(out_channels, -1).T @ dout_matrix
    dx = col2im(dcols, cache.x_shape, kh, kw, cache.stride, cache.padding)
    return dx, dw, db
