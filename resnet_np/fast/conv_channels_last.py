"""conv2d with positions-major ("channels-last") matrix products, for layers of 16 or more input channels.

conv.py's products are (K, C*kh*kw) @ (C*kh*kw, positions): at ResNet's first stage (16 channels) the product
has a short side of 16 rows, which OpenBLAS's SkylakeX (AVX-512) kernel runs poorly. The same numbers come out of
the transposed products, with the positions as rows:
    out_t = cols_t @ W_t.T              cols_t (positions, kh*kw*C), W_t[k, (i, j, c)] = w[k, c, i, j]
and for the backward by convolution (conv.py's module docstring derives it; dout_cols_t = the same im2col of dout
with padding kh-1-pad, one row per pixel of x, columns (i', j', k)):
    dx_t = dout_cols_t @ rotated_t      rotated_t[(i', j', k), c] = w[k, c, kh-1-i', kw-1-j']
    G    = dout_cols_t.T @ x_t          x_t (positions, C), G[(i', j', k), c] = dW[k, c, kh-1-i', kw-1-j']
With columns ordered (i, j, c), each row of cols_t is kh runs of kw*C contiguous values of a zero-padded
channels-last copy of the image, padded[h, w, c] (channels_last_kernels.py), and the product's (positions, K)
output goes back to (n, K, h, w) with one transposing copy.

Stride 1: kernel rows instead of a full im2col. Split the columns of cols_t by kernel row i: the block of columns
of row i holds, for position (oh, ow), the run padded[oh + i, ow : ow + kw, :]. Copy each such run once, for every
padded row h: runs[h * out_w + ow] = padded[h, ow : ow + kw, :]. Position (oh, ow) then finds its kernel row i at
runs row (oh + i) * out_w + ow, and all positions together at one slice, runs[i*out_w : i*out_w + out_h*out_w].
So
    out_t = sum over i of runs_i @ W_rows[i]        runs_i = that slice, W_rows[i] = the rows of W_t.T of row i
and likewise dx_t = sum over i of runs_i @ rotated_rows[i] and G's rows of kernel row i = runs_i.T @ x_t, with the
runs of the padded dout. The products are the same multiply-adds, cut into kh pieces; the copy is kw*C values per
padded row and column instead of kh*kw*C per position (about a third, for 3x3). This runs one image at a time,
so that runs and the product stay in the CPU's cache. Strided layers (forward only) keep the full im2col of a
chunk.

Measured by benchmarks/conv_channels_last.py (below, at MIN_CHANNELS) and docs/benchmarks.md: at 16 channels on
32x32 planes, batch 16, one thread, conv.py's route took 2082 us forward and 3017 backward, this one 1193 and 2073.
forward_pays() and backward_pays() below choose per layer shape, by the measured rule of their constant.

Chunks, per-thread scratch buffers and the in-order sum of the weight gradient's shares are conv.py's (chunks.py,
workspace.py): the results do not depend on the number of threads. Each chunk is one compiled call, its products
included (channels_last_kernels.py, with NumPy's BLAS through blas.py), where that BLAS can be called from compiled
code; elsewhere the same steps run as separate calls from Python.
"""

import numpy as np

from .blas import matmul_into, numpy_gemm
from .channels_last_kernels import (
    backward_chunk_kernel,
    forward_by_kernel_rows_kernel,
    forward_chunk_kernel,
    im2col_padded_kernel,
    kernel_row_runs_kernel,
    pad_channels_last_kernel,
    positions_to_images_kernel,
)
from .chunks import run_in_chunks, sum_in_order
from .workspace import scratch

# The rule of forward_pays() and backward_pays(), measured by benchmarks/conv_channels_last.py (3x3 layers,
# float32, one thread, BLAS on one thread, least CPU time of many repeats alternating the two routes, batches
# 16-64, on a 2-core AMD EPYC with AVX-512; ratios of this route's time to conv.py's; docs/benchmarks.md has the
# table):
#                                  forward                          backward
#   16 channels, stride 1          0.52-0.68 (32x32 to 8x8 planes)  0.60-0.74
#   32 channels, stride 1          0.67-0.80 (16x16 to 4x4)         0.77-0.86
#   64 channels, stride 1          0.75-0.83 (8x8 to 4x4)           0.83-0.85
#   16 -> 32 and 32 -> 64, stride 2  0.71-0.87 (32x32 to 8x8 inputs)
#   8 channels, stride 1           0.90-1.32 (32x32 to 8x8)         0.86-1.65
#   4 channels; stems of 1 channel 0.90-2.40                        0.97-2.38
# (2x2 maps take conv_dense.py's route, ahead of this one.) So every layer of at least 16 input channels takes it
# forward, and backward where the backward is a convolution (stride 1; a strided layer's backward is conv.py's
# col2im route). Below 16 channels the runs are short (kw*C values) and the gain comes and goes; a CIFAR stem (3
# channels on 32x32 planes, 0.78-0.85 forward) would gain a little, the digits' stem (1 channel) would lose.
MIN_CHANNELS = 16


def forward_pays(geometry, w_shape):
    """True where conv2d_forward takes this route: at least MIN_CHANNELS input channels, any stride. geometry from
    check_conv2d_inputs, w_shape (K, C, kh, kw)."""
    return w_shape[1] >= MIN_CHANNELS


def backward_pays(geometry, w_shape):
    """True where conv2d_backward's convolution route (stride 1) runs this way: at least MIN_CHANNELS input
    channels."""
    stride_h, stride_w = geometry[:2]
    return stride_h == stride_w == 1 and w_shape[1] >= MIN_CHANNELS


def forward_into(x, w, geometry, images_per_chunk, out):
    """out (N, K, out_h, out_w) = the convolution of x (N, C, H, W) with w (K, C, kh, kw), without bias.
    x C-contiguous; geometry from check_conv2d_inputs; out C-contiguous, of x's dtype."""
    out_channels = w.shape[0]
    stride_h, stride_w = geometry[:2]
    weights_t_transposed = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(-1, out_channels)  # W_t.T
    forward_chunk = _forward_by_kernel_rows if stride_h == stride_w == 1 else _forward_by_im2col
    blas = numpy_gemm(x.dtype)

    def forward_images(first, stop):
        forward_chunk(x[first:stop], weights_t_transposed, w_shape=w.shape, geometry=geometry, blas=blas,
                      out=out[first:stop])

    run_in_chunks(forward_images, x.shape[0], images_per_chunk)
    return out


def _forward_by_kernel_rows(images, weights_t_transposed, w_shape, geometry, blas, out):
    """Stride 1: out (n, K, out_h, out_w) of images (n, C, H, W) by the kernel rows' products of the module
    docstring, one image at a time. blas: numpy_gemm's, or None."""
    out_channels, channels, kh, kw = w_shape
    _, _, pad_h, pad_w, out_h, out_w = geometry
    weight_rows = weights_t_transposed.reshape(kh, kw * channels, out_channels)
    padded = scratch("padded", (1, images.shape[2] + 2 * pad_h, images.shape[3] + 2 * pad_w, channels), images.dtype)
    runs = scratch("columns", (padded.shape[1] * out_w, kw * channels), images.dtype)
    product = scratch("product", (out_h * out_w, out_channels), images.dtype)
    if blas is not None:  # the whole chunk in one compiled call
        forward_by_kernel_rows_kernel(images, weight_rows, *blas, padded, runs, product, out)
        return
    # the same steps, the products called from Python
    for n in range(len(images)):
        pad_channels_last_kernel(images[n:n + 1], pad_h, pad_w, padded)
        kernel_row_runs_kernel(padded[0], kw, out_w, runs)
        for i in range(kh):  # the first product writes product, the others add to it
            matmul_into(False, i > 0, runs[i * out_w:i * out_w + out_h * out_w], weight_rows[i], product)
        positions_to_images_kernel(product, out[n:n + 1].reshape(1, out_channels, out_h * out_w))


def _forward_by_im2col(images, weights_t_transposed, w_shape, geometry, blas, out):
    """Any stride: out (n, K, out_h, out_w) = cols_t @ W_t.T, with one im2col of the n images (n, C, H, W)."""
    out_channels, channels, kh, kw = w_shape
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    n_chunk = len(images)
    padded = scratch("padded", (n_chunk, images.shape[2] + 2 * pad_h, images.shape[3] + 2 * pad_w, channels),
                     images.dtype)
    cols_t = scratch("columns", (n_chunk * out_h * out_w, kh * kw * channels), images.dtype)
    product = scratch("product", (n_chunk * out_h * out_w, out_channels), images.dtype)
    if blas is not None:  # the whole chunk in one compiled call
        forward_chunk_kernel(images, weights_t_transposed, kh, kw, stride_h, stride_w, *blas, padded, cols_t,
                             product, out)
        return
    # the same steps, the product called from Python
    pad_channels_last_kernel(images, pad_h, pad_w, padded)
    im2col_padded_kernel(padded, kh, kw, stride_h, stride_w, out_h, out_w, cols_t)
    matmul_into(False, False, cols_t, weights_t_transposed, product)
    positions_to_images_kernel(product, out.reshape(n_chunk, out_channels, out_h * out_w))


def backward(dout, x, w, geometry, images_per_chunk):
    """(dx, dW) of a stride-1 convolution (padding <= kernel - 1), by the formulas of the module docstring.
    dout C-contiguous, of x's dtype."""
    out_channels, channels, kh, kw = w.shape
    _, _, height, width = x.shape
    positions, run = height * width, kw * out_channels
    dout_pad_h, dout_pad_w = kh - 1 - geometry[2], kw - 1 - geometry[3]  # one window of dout per pixel of x
    rotated_t = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)).reshape(-1, channels)
    rotated_rows = rotated_t.reshape(kh, run, channels)
    dx = np.empty(x.shape, dtype=x.dtype)
    blas = numpy_gemm(x.dtype)

    def backward_images(first, stop):
        """Fills dx[first:stop]; returns this chunk's share of G, (kh*kw*K, C)."""
        douts, images, gradients = dout[first:stop], x[first:stop], dx[first:stop]
        padded = scratch("padded", (1, dout.shape[2] + 2 * dout_pad_h, dout.shape[3] + 2 * dout_pad_w,
                                    out_channels), x.dtype)
        runs = scratch("columns", (padded.shape[1] * width, run), x.dtype)
        x_t = scratch("product", (positions, channels), x.dtype)
        g_share = np.empty((kh * kw * out_channels, channels), dtype=x.dtype)
        if blas is not None:  # the whole chunk in one compiled call
            backward_chunk_kernel(douts, images, rotated_rows, *blas, padded, runs, x_t, g_share, gradients)
            return g_share
        # the same steps, the products called from Python
        for n in range(stop - first):
            pad_channels_last_kernel(douts[n:n + 1], dout_pad_h, dout_pad_w, padded)
            kernel_row_runs_kernel(padded[0], kw, width, runs)
            pad_channels_last_kernel(images[n:n + 1], 0, 0, x_t.reshape(1, height, width, channels))
            for i in range(kh):  # the first image writes g_share, the others add to it
                matmul_into(True, n > 0, runs[i * width:i * width + positions], x_t, g_share[i * run:(i + 1) * run])
            for i in range(kh):  # dx_t, into x_t: x_t is no longer needed
                matmul_into(False, i > 0, runs[i * width:i * width + positions], rotated_rows[i], x_t)
            positions_to_images_kernel(x_t, gradients[n:n + 1].reshape(1, channels, positions))
        return g_share

    g = sum_in_order(run_in_chunks(backward_images, x.shape[0], images_per_chunk))
    # G[(i', j', k), c] = dW[k, c, kh-1-i', kw-1-j']: turn the offsets back and put K, C first.
    dw = g.reshape(kh, kw, out_channels, channels)[::-1, ::-1].transpose(2, 3, 0, 1)
    return dx, np.ascontiguousarray(dw)
