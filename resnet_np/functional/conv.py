"""2-D convolution (cross-correlation, as in every deep-learning library) via im2col + one matrix product.

Forward, with cols = im2col(x) of shape (C*kh*kw, N*out_h*out_w) and W = w.reshape(K, C*kh*kw):
    out = W @ cols + b                      -> (K, N*out_h*out_w), reshaped to (N, K, out_h, out_w)
Backward, with D = dout rearranged to (K, N*out_h*out_w):
    dW    = D @ cols.T                      (each weight meets every input value it touched)
    db    = D summed over its columns
    dcols = W.T @ D,  dx = col2im(dcols)    (col2im adds up overlapping windows)

A few images at a time: the code below applies these formulas to chunks of the batch, images [first, stop),
and adds up the chunks' dW. The columns of different images never mix, so this is the same maths; it keeps each
chunk's column matrix small enough to stay in the CPU cache (the whole batch's is 72 MiB at ResNet-20's first
layer, batch 128) and lets several threads take chunks at once (parallel.py). cols, dcols and the product live
in per-thread scratch buffers (workspace.py), so no call allocates (and page-faults) a big temporary.

Memory: the cache keeps x (as PyTorch does), not cols. cols is C*kh*kw times larger than x's share of it (9x for
a 3x3 conv); keeping it for every layer would hold ~0.9 GB for ResNet-20 at batch 128, while rebuilding it in the
backward costs one more im2col pass (about 10% of a conv's time).
The cache holds a reference to x, not a copy: do not modify x in place between the forward and the backward.
"""

from typing import NamedTuple

import numpy as np

from ._validation import require_float, require_ndim, require_same_dtype, require_shape
from .im2col import col2im_into, im2col_into, window_geometry
from .parallel import chunk_size, run_in_chunks
from .workspace import scratch

# Columns (output positions) per chunk: 2048 keeps a 3x3 conv's chunk of cols within a few MiB. Measured at
# ResNet-20's layer shapes, anything from 1024 to 16384 positions ran within 5% of the best.
POSITIONS_PER_CHUNK = 2048


class Conv2dCache(NamedTuple):
    x: np.ndarray  # the input: the backward rebuilds cols = im2col(x) from it
    w: np.ndarray
    geometry: tuple  # (stride_h, stride_w, pad_h, pad_w, out_h, out_w), see im2col.window_geometry
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
    geometry = window_geometry("conv2d", x.shape, kh, kw, stride, padding)
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    x = np.ascontiguousarray(x)
    weights = w.reshape(out_channels, -1)
    out = np.empty((n_images, out_channels, out_h, out_w), dtype=x.dtype)

    def forward_images(first, stop):
        positions = (stop - first) * out_h * out_w
        cols = im2col_into(x[first:stop], kh, kw, geometry,
                           scratch("columns", (channels * kh * kw, positions), x.dtype))
        product = np.matmul(weights, cols, out=scratch("product", (out_channels, positions), x.dtype))
        # The product is ordered (K, n, out_h, out_w); the network wants (n, K, out_h, out_w).
        out[first:stop] = product.reshape(out_channels, stop - first, out_h, out_w).transpose(1, 0, 2, 3)

    run_in_chunks(forward_images, n_images, chunk_size(n_images, out_h * out_w, POSITIONS_PER_CHUNK))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out, Conv2dCache(x, w, geometry, b is not None)


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None)."""
    x, w = cache.x, cache.w
    out_channels, channels, kh, kw = w.shape
    n_images = x.shape[0]
    out_h, out_w = cache.geometry[4:]
    require_shape("conv2d_backward", "dout", dout, (n_images, out_channels, out_h, out_w))
    if dout.dtype != x.dtype:  # e.g. a float64 upstream gradient on a float32 layer: compute in the wider type
        dtype = np.result_type(x.dtype, dout.dtype)
        x, w, dout = x.astype(dtype), w.astype(dtype), dout.astype(dtype)
    weights = w.reshape(out_channels, -1)
    dx = np.empty(x.shape, dtype=x.dtype)

    def backward_images(first, stop):
        """Fills dx[first:stop]; returns this chunk's share of dW, transposed: (C*kh*kw, K)."""
        positions = (stop - first) * out_h * out_w
        dout_matrix = scratch("product", (out_channels, positions), x.dtype)
        dout_matrix.reshape(out_channels, stop - first, out_h, out_w)[...] = dout[first:stop].transpose(1, 0, 2, 3)
        cols = im2col_into(x[first:stop], kh, kw, cache.geometry,
                           scratch("columns", (channels * kh * kw, positions), x.dtype))
        # dW = D @ cols.T, computed as its transpose cols @ D.T: the same numbers, and OpenBLAS runs this order
        # 7-20% faster at ResNet-20's shapes (its output is the tall (C*kh*kw, K) matrix).
        dw_share_transposed = cols @ dout_matrix.T
        dcols = np.matmul(weights.T, dout_matrix, out=cols)  # cols is no longer needed: overwrite it
        col2im_into(dcols, kh, kw, cache.geometry, dx[first:stop])
        return dw_share_transposed

    dw_shares = run_in_chunks(backward_images, n_images, chunk_size(n_images, out_h * out_w, POSITIONS_PER_CHUNK))
    dw_transposed = dw_shares[0]
    for share in dw_shares[1:]:  # in chunk order, so the sum does not depend on which thread ran which chunk
        dw_transposed += share
    dw = np.ascontiguousarray(dw_transposed.T).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dw, db
