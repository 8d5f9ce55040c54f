"""2-D convolution (cross-correlation, as in every deep-learning library) via im2col + one matrix product.

Forward, with cols = im2col(x) of shape (C*kh*kw, N*out_h*out_w) and W = w.reshape(K, C*kh*kw):
    out = W @ cols + b                      -> (K, N*out_h*out_w), reshaped to (N, K, out_h, out_w)
Backward, with D = dout rearranged to (K, N*out_h*out_w):
    dW    = D @ cols.T                      (each weight meets every input value it touched)
    db    = D summed over its columns
    dcols = W.T @ D,  dx = col2im(dcols)    (col2im adds up overlapping windows)

Memory: the cache keeps x (as PyTorch does), not cols. cols is C*kh*kw times larger than x's share of it (9x for
a 3x3 conv); keeping it for every layer would hold ~0.9 GB for ResNet-20 at batch 128, while rebuilding it in the
backward costs one more im2col pass. cols, dcols and the product before its transpose live in scratch buffers
shared by all layers (workspace.py), so no call allocates (and page-faults) a big temporary.
The cache holds a reference to x, not a copy: do not modify x in place between the forward and the backward.
"""

from typing import NamedTuple

import numpy as np

from ._validation import pair, require_float, require_ndim, require_same_dtype, require_shape
from .im2col import col2im, im2col
from .workspace import scratch

_keep_columns = False  # see set_keep_columns


def set_keep_columns(keep):
    """True: the forward keeps cols in its cache (faster backward, ~C*kh*kw times the input's memory per conv).
    False (default): the backward rebuilds cols from x. Returns the previous setting. For benchmarks."""
    global _keep_columns
    previous, _keep_columns = _keep_columns, bool(keep)
    return previous


class Conv2dCache(NamedTuple):
    x: np.ndarray  # the input: the backward rebuilds cols = im2col(x) from it
    w: np.ndarray
    cols: np.ndarray  # None, unless set_keep_columns(True): then im2col(x), kept from the forward
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

    out_h = (x.shape[2] + 2 * padding[0] - kh) // stride[0] + 1
    out_w = (x.shape[3] + 2 * padding[1] - kw) // stride[1] + 1
    positions = n_images * out_h * out_w
    cols_shape = (channels * kh * kw, positions)
    cols = im2col(x, kh, kw, stride, padding, out=None if _keep_columns else scratch("columns", cols_shape, x.dtype))
    product = scratch("product", (out_channels, positions), x.dtype)
    np.matmul(w.reshape(out_channels, -1), cols, out=product)
    # The product is ordered (K, N, out_h, out_w); the network wants (N, K, out_h, out_w).
    out = np.empty((n_images, out_channels, out_h, out_w), dtype=x.dtype)
    np.copyto(out, product.reshape(out_channels, n_images, out_h, out_w).transpose(1, 0, 2, 3))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out, Conv2dCache(x, w, cols if _keep_columns else None, stride, padding, b is not None)


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None)."""
    x, w = cache.x, cache.w
    out_channels, channels, kh, kw = w.shape
    n_images = x.shape[0]
    out_h = (x.shape[2] + 2 * cache.padding[0] - kh) // cache.stride[0] + 1
    out_w = (x.shape[3] + 2 * cache.padding[1] - kw) // cache.stride[1] + 1
    require_shape("conv2d_backward", "dout", dout, (n_images, out_channels, out_h, out_w))
    if dout.dtype != x.dtype:  # e.g. a float64 upstream gradient on a float32 layer: compute in the wider type
        dtype = np.result_type(x.dtype, dout.dtype)
        x, w = x.astype(dtype), w.astype(dtype)
    positions = n_images * out_h * out_w
    dout_matrix = scratch("product", (out_channels, positions), dout.dtype)
    np.copyto(dout_matrix.reshape(out_channels, n_images, out_h, out_w), dout.transpose(1, 0, 2, 3))
    cols = cache.cols
    if cols is None:
        cols = im2col(x, kh, kw, cache.stride, cache.padding,
                      out=scratch("columns", (channels * kh * kw, positions), x.dtype))
    dw = (dout_matrix @ cols.T).reshape(w.shape)
    db = dout_matrix.sum(axis=1) if cache.has_bias else None
    # dcols overwrites the scratch cols (no longer needed); a kept cols must stay intact, so it gets scratch space.
    dcols_out = cols if cache.cols is None else scratch("columns", cols.shape, x.dtype)
    dcols = np.matmul(w.reshape(out_channels, -1).T, dout_matrix, out=dcols_out)
    dx = col2im(dcols, x.shape, kh, kw, cache.stride, cache.padding)
    return dx, dw, db
