"""The engine's conv2d: the maths of resnet_np/functional/conv.py, on chunks of images, with two backward routes.

The reference computes, with cols = im2col(x) (C*kh*kw, N*out_h*out_w), W = w.reshape(K, C*kh*kw) and D = dout
as (K, N*out_h*out_w):
    out = W @ cols + b,    dW = D @ cols.T,    dx = col2im(W.T @ D)
This file computes the same numbers (equal to rounding; tests/test_backends.py), faster.

The backward of a stride-1 convolution is itself a convolution, and the code computes it that way (it is how
ResNet's 3x3/1 and 1x1/1 layers run). Written out, out[k, y, x] = sum of w[k, c, i, j] * x[c, y+i-pad, x+j-pad]
gives
    dx[c, u, v]       = sum over k, i, j of w[k, c, i, j] * dout[k, u-i+pad, v-j+pad]
    dW[k, c, i, j]    = sum over u, v    of x[c, u, v]    * dout[k, u-i+pad, v-j+pad]
Both read dout through the same windows: im2col of dout with padding kh-1-pad, whose rows are the kernel offsets
(i', j') = (kh-1-i, kw-1-j), and whose columns are the pixels of x (the window count comes out H x W). So with
dout_cols = im2col(dout, padding kh-1-pad) of shape (K*kh*kw, N*H*W) and X = x rearranged to (C, N*H*W):
    dx = W_rotated @ dout_cols,     W_rotated[c, (k, i', j')] = w[k, c, kh-1-i', kw-1-j']   (kernels turned 180°)
    G  = dout_cols @ X.T,           dW[k, c, i, j] = G[(k, kh-1-i, kw-1-j), c]
One im2col of dout replaces the im2col of x and the col2im, and both products keep the forward's proportions:
measured 12-14% faster than the col2im route on ResNet-20's three layer shapes. Strided convolutions (and
paddings above kh-1, whose windows reach past every pixel) take the col2im route, and so do layers with more
output than input channels (K > C): there dout_cols (K*kh*kw rows) is larger than cols (C*kh*kw rows), and the
products have a side of length C. At a CIFAR stem (3 -> 16 channels, batch 128) the col2im route took 5.5 ms
against 12.3. Both routes give the same gradients (tests/test_conv_backward_routes.py); the engine notebook
derives the formulas. Layers of 16 or more input channels compute the forward (and at stride 1 the backward)
with transposed products, one row per position (conv_channels_last.py, with its measurements).

A few images at a time: the code below applies these formulas to chunks of the batch, images [first, stop),
and adds up the chunks' dW. The columns of different images never mix, so this is the same maths; it keeps each
chunk's column matrix small enough to stay in the CPU cache (the whole batch's is 72 MiB at ResNet-20's first
layer, batch 128) and lets several threads take chunks at once (chunks.py). cols, dcols and the product live
in per-thread scratch buffers (workspace.py), so no call allocates (and page-faults) a big temporary.

Memory: the cache keeps x (as PyTorch does), not cols. cols is C*kh*kw times larger than x's share of it (9x for
a 3x3 conv); keeping it for every layer would hold ~0.9 GB for ResNet-20 at batch 128, while the backward's
im2col costs about 10% of a conv's time.
The cache holds a reference to x, not a copy: do not modify x in place between the forward and the backward.
"""

import numpy as np

from ..functional.conv import Conv2dCache, check_conv2d_inputs
from ..validation import require_shape
from . import conv_channels_last, conv_dense, im2col_kernels
from .chunks import chunk_size, run_in_chunks, sum_in_order
from .im2col import col2im_into, im2col_into
from .workspace import scratch

# Columns (output positions) per chunk: 4096 keeps a 3x3 conv's chunk of cols within a few MiB (2.3 MiB at
# ResNet-20's first stage). Measured at ResNet-20's layer shapes: 4096 and 8192 were best; 2048 was 5% slower at
# the first stage (16 channels), the same at the others.
POSITIONS_PER_CHUNK = 4096
# ... but no chunk of fewer multiply-adds than this (4 Mi, ~150-250 us of a product and its im2col at 8x8 maps):
# below it the hand-off to a helper thread (~30 us, chunks.py) and the extra kernel calls cost more than they save.
# The digits (8x8, batch 16) then run every conv as one chunk on the calling thread; CIFAR batches are unchanged.
MIN_MULTIPLY_ADDS_PER_CHUNK = 1 << 22


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) or None -> out (N, K, out_h, out_w).

    out_h = (H + 2*padding - kh) // stride + 1, likewise out_w. stride and padding: int or (h, w) pair.
    """
    x, w, geometry = check_conv2d_inputs(x, w, b, stride, padding)
    n_images, channels = x.shape[:2]
    out_channels, _, kh, kw = w.shape
    out_h, out_w = geometry[4:]
    x = np.ascontiguousarray(x)
    weights = w.reshape(out_channels, -1)
    out = np.empty((n_images, out_channels, out_h, out_w), dtype=x.dtype)

    def forward_images(first, stop):
        positions = (stop - first) * out_h * out_w
        cols = im2col_into(x[first:stop], kh, kw, geometry,
                           scratch("columns", (channels * kh * kw, positions), x.dtype))
        product = np.matmul(weights, cols, out=scratch("product", (out_channels, positions), x.dtype))
        _matrix_to_images(product, out[first:stop])

    chunk = _images_per_chunk(n_images, out_h * out_w, weights.size)
    if conv_dense.applies(x.shape, w.shape, geometry):  # 2x2 maps: one dense matrix, no im2col at all
        conv_dense.forward(x, w, geometry, out, MIN_MULTIPLY_ADDS_PER_CHUNK)
    elif conv_channels_last.forward_pays(geometry, w.shape):  # 16+ channels: positions-major products (see there)
        conv_channels_last.forward_into(x, w, geometry, chunk, out)
    else:
        run_in_chunks(forward_images, n_images, chunk)
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
    dout = np.ascontiguousarray(dout)
    if n_images == 0:  # an empty batch: no chunk to add up, and every gradient is zero
        dx, dw = np.zeros(x.shape, dtype=x.dtype), np.zeros(w.shape, dtype=x.dtype)
    elif conv_dense.applies(x.shape, w.shape, cache.geometry):  # 2x2 maps (before the routes below)
        dx, dw = conv_dense.backward(dout, x, w, cache.geometry, MIN_MULTIPLY_ADDS_PER_CHUNK)
    elif (route := backward_route(cache.geometry, w.shape)) == "channels last":
        chunk = _images_per_chunk(n_images, x.shape[2] * x.shape[3], w.size)
        dx, dw = conv_channels_last.backward(dout, x, w, cache.geometry, chunk)
    elif route == "convolution":
        dx, dw = backward_by_convolution(dout, x, w, cache.geometry)
    else:
        dx, dw = backward_by_col2im(dout, x, w, cache.geometry)
    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return dx, dw, db


def backward_is_a_convolution(geometry, kh, kw):
    """True when backward_by_convolution applies: stride 1, padding <= kernel - 1."""
    stride_h, stride_w, pad_h, pad_w = geometry[:4]
    return stride_h == stride_w == 1 and pad_h <= kh - 1 and pad_w <= kw - 1


def backward_route(geometry, w_shape):
    """The route conv2d_backward takes: "convolution" where it applies and the layer has no more output than input
    channels (the column matrix of dout is then no larger than that of x), computed with positions-major products
    ("channels last", conv_channels_last.py) where those pay; else "col2im"."""
    out_channels, channels, kh, kw = w_shape
    if backward_is_a_convolution(geometry, kh, kw) and out_channels <= channels:
        return "channels last" if conv_channels_last.backward_pays(geometry, w_shape) else "convolution"
    return "col2im"


def backward_by_col2im(dout, x, w, geometry):
    """(dx, dW) by the first formulas of the module docstring: cols = im2col(x) again, dW = D @ cols.T,
    dx = col2im(W.T @ D). Any stride and padding. dout C-contiguous, of x's dtype."""
    out_channels, channels, kh, kw = w.shape
    n_images = x.shape[0]
    out_h, out_w = geometry[4:]
    weights = w.reshape(out_channels, -1)
    dx = np.empty(x.shape, dtype=x.dtype)

    def backward_images(first, stop):
        """Fills dx[first:stop]; returns this chunk's share of dW, transposed: (C*kh*kw, K)."""
        positions = (stop - first) * out_h * out_w
        dout_matrix = _images_to_matrix(dout[first:stop], scratch("product", (out_channels, positions), x.dtype))
        cols = im2col_into(x[first:stop], kh, kw, geometry,
                           scratch("columns", (channels * kh * kw, positions), x.dtype))
        # dW = D @ cols.T, computed as its transpose cols @ D.T: the same numbers, and OpenBLAS runs this order
        # 7-20% faster at ResNet-20's shapes (its output is the tall (C*kh*kw, K) matrix).
        dw_share_transposed = cols @ dout_matrix.T
        dcols = np.matmul(weights.T, dout_matrix, out=cols)  # cols is no longer needed: overwrite it
        col2im_into(dcols, kh, kw, geometry, dx[first:stop])
        return dw_share_transposed

    chunk = _images_per_chunk(n_images, out_h * out_w, weights.size)
    dw_transposed = sum_in_order(run_in_chunks(backward_images, n_images, chunk))
    return dx, np.ascontiguousarray(dw_transposed.T).reshape(w.shape)


def backward_by_convolution(dout, x, w, geometry):
    """(dx, dW) of a stride-1 convolution from one im2col of dout (the module docstring derives it).
    Needs backward_is_a_convolution(geometry, kh, kw). dout C-contiguous, of x's dtype."""
    out_channels, channels, kh, kw = w.shape
    n_images, _, height, width = x.shape
    pad_h, pad_w = geometry[2:4]
    # im2col of dout with padding kh-1-pad_h, kw-1-pad_w: one window per pixel of x.
    dout_geometry = (1, 1, kh - 1 - pad_h, kw - 1 - pad_w, height, width)
    rotated = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(channels, -1)
    dx = np.empty(x.shape, dtype=x.dtype)

    def backward_images(first, stop):
        """Fills dx[first:stop]; returns this chunk's share of G = dout_cols @ X.T, (K*kh*kw, C)."""
        positions = (stop - first) * height * width
        x_matrix = _images_to_matrix(x[first:stop], scratch("product", (channels, positions), x.dtype))
        dout_cols = im2col_into(dout[first:stop], kh, kw, dout_geometry,
                                scratch("columns", (out_channels * kh * kw, positions), x.dtype))
        g_share = dout_cols @ x_matrix.T
        dx_matrix = np.matmul(rotated, dout_cols, out=x_matrix)  # x_matrix is no longer needed: overwrite it
        _matrix_to_images(dx_matrix, dx[first:stop])
        return g_share

    chunk = _images_per_chunk(n_images, height * width, rotated.size)
    g = sum_in_order(run_in_chunks(backward_images, n_images, chunk))
    # G[(k, i', j'), c] = dW[k, c, kh-1-i', kw-1-j']: turn the offsets back and put K first.
    dw = g.reshape(out_channels, kh, kw, channels)[:, ::-1, ::-1, :].transpose(0, 3, 1, 2)
    return dx, np.ascontiguousarray(dw)


def _images_per_chunk(n_images, positions_per_image, weights_size):
    """Chunk size in images: about POSITIONS_PER_CHUNK columns of the matrix products per chunk, and at least
    MIN_MULTIPLY_ADDS_PER_CHUNK multiply-adds (weights_size = K*C*kh*kw per column) in each product."""
    return chunk_size(n_images, positions_per_image, POSITIONS_PER_CHUNK,
                      min_cost=-(-MIN_MULTIPLY_ADDS_PER_CHUNK // weights_size))


def _images_to_matrix(images, matrix):
    """images (n, C, h, w) -> matrix (C, n*h*w), the layout of the products: one row per channel."""
    n_images, channels, height, width = images.shape
    _swap_leading_axes(images.reshape(n_images, channels, height * width),
                       matrix.reshape(channels, n_images, height * width))
    return matrix


def _matrix_to_images(matrix, images):
    """matrix (C, n*h*w), as a product leaves it, -> images (n, C, h, w), the layout of the network."""
    n_images, channels, height, width = images.shape
    _swap_leading_axes(matrix.reshape(channels, n_images, height * width),
                       images.reshape(n_images, channels, height * width))


def _swap_leading_axes(source, destination):
    """destination[b, a, :] = source[a, b, :]. Both C-contiguous, so that the reshapes above are views."""
    im2col_kernels.swap_leading_axes_kernel(source, destination)
