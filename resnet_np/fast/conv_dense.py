"""The engine's conv2d on tiny planes (2x2 maps): the convolution as one dense matrix, no im2col.

At 8x8 inputs, ResNet's last stage works on 2x2 maps. There every 3x3 window covers most of the input plane,
so a convolution of one image is simply a dense linear map from its C*H*W input values to its K*out_h*out_w
outputs. Write it as a matrix M (K*P, C*H*W), P = out_h*out_w:
    M[(k, p), (c, s)] = w[k, c, i, j]   if output position p reads input pixel s through kernel offset (i, j)
                      = 0               if no offset of p's window lands on s (or it lands in the padding)
Then, with the images as rows (x_rows = x.reshape(N, C*H*W), which is x's own memory, no copy):
    out_rows = x_rows @ M.T                                        (N, K*P), already in out's (N, K, h, w) layout
    dx_rows  = dout_rows @ M                                       (N, C*H*W), already in dx's layout
    G        = dout_rows.T @ x_rows                                (K*P, C*H*W)
    dW[k, c, i, j] = sum over the positions p whose offset (i, j) lands on a pixel s of G[(k, p), (c, s)]
the last line being the adjoint of building M. The same numbers as im2col's route (equal to rounding), with
different trade-offs:
- multiply-adds per image: C*H*W*K*P instead of C*kh*kw*K*P, i.e. H*W / (kh*kw) times as many. At 2x2 that is
  fewer (4/9: the im2col route multiplies the padding's zeros too), at 4x4 1.8 times as many;
- but no im2col or col2im, no layout copies around the products, and products whose long side is the batch.
At ResNet-20's 2x2 layers (64 channels, one thread, fastest of 100) forward + backward took 466 us against
1,014 us by im2col at batch 64, 283 against 358 at batch 16. Not at 4x4: 4,491 against 1,002 at a 4x4 -> 4x4
layer (32 channels), and 1,424 against 542 at the 4x4 -> 2x2 downsampling layer (whose im2col is the quick
small-plane kernel of im2col_kernels.py); at 8x8, where M has 4,096 entries per pair of channels, worse still.
Hence the rule in applies(). `python benchmarks/conv.py --layers digits` times these layers beside PyTorch.
"""

import functools

import numpy as np

from . import conv_dense_kernels
from .chunks import chunk_size, run_in_chunks, sum_in_order
from .workspace import scratch

# The dense route applies when M has at most this many entries per pair of channels (H*W*out_h*out_w): 2x2 -> 2x2
# (16); not 4x4 -> 2x2 (64: 2.6x slower than im2col's route) nor 4x4 -> 4x4 (256: 4.5x slower) ...
MAX_MATRIX_ENTRIES_PER_CHANNEL_PAIR = 16
# ... and the input plane has at most this many times the kernel's pixels: a 1x1 convolution has no im2col
# worth avoiding, and its dense matrix would multiply H*W times as much.
MAX_PLANE_PER_KERNEL_PIXELS = 2


def applies(x_shape, w_shape, geometry):
    """True when the layer's convolution is computed as a dense matrix (tiny planes; see the module docstring)."""
    height, width = x_shape[2:]
    kh, kw = w_shape[2:]
    out_h, out_w = geometry[4:]
    pixels, positions = height * width, out_h * out_w
    return (pixels * positions <= MAX_MATRIX_ENTRIES_PER_CHANNEL_PAIR
            and pixels <= MAX_PLANE_PER_KERNEL_PIXELS * kh * kw)


@functools.lru_cache(maxsize=64)
def window_entries(height, width, kh, kw, geometry):
    """The non-zero entries of M for one pair of channels, as three int64 arrays of equal length:
    (position p, input pixel s, kernel offset i*kw + j), for every window offset that lands inside the image."""
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    oh, ow, i, j = np.meshgrid(np.arange(out_h), np.arange(out_w), np.arange(kh), np.arange(kw), indexing="ij")
    h, w = oh * stride_h - pad_h + i, ow * stride_w - pad_w + j
    inside = (h >= 0) & (h < height) & (w >= 0) & (w < width)
    entries = tuple(index[inside].astype(np.int64) for index in (oh * out_w + ow, h * width + w, i * kw + j))
    for array in entries:
        array.flags.writeable = False  # shared by every call with this geometry
    return entries


def dense_matrix(w, x_shape, geometry):
    """M (K*P, C*H*W) of the module docstring, in w's dtype, in this thread's scratch memory."""
    out_channels, channels, kh, kw = w.shape
    height, width = x_shape[2:]
    positions = geometry[4] * geometry[5]
    matrix = scratch("dense matrix", (out_channels * positions, channels * height * width), w.dtype)
    matrix.fill(0)
    conv_dense_kernels.fill_dense_matrix(np.ascontiguousarray(w), *window_entries(height, width, kh, kw, geometry),
                                         height * width, matrix)
    return matrix


def forward(x, w, geometry, out, min_multiply_adds_per_chunk):
    """Fill out (N, K, out_h, out_w) with the convolution of x (N, C, H, W, C-contiguous) by w, no bias.
    Chunks of images as in conv.py, of at least min_multiply_adds_per_chunk multiply-adds."""
    matrix = dense_matrix(w, x.shape, geometry)
    x_rows, out_rows = x.reshape(len(x), matrix.shape[1]), out.reshape(len(out), matrix.shape[0])

    def forward_images(first, stop):
        np.matmul(x_rows[first:stop], matrix.T, out=out_rows[first:stop])

    run_in_chunks(forward_images, len(x), _images_per_chunk(len(x), matrix.size, min_multiply_adds_per_chunk))


def backward(dout, x, w, geometry, min_multiply_adds_per_chunk):
    """(dx, dW) from dout (N, K, out_h, out_w), both C-contiguous and of x's dtype. Chunks as in forward()."""
    out_channels, channels, kh, kw = w.shape
    height, width = x.shape[2:]
    matrix = dense_matrix(w, x.shape, geometry)
    x_rows, dout_rows = x.reshape(len(x), matrix.shape[1]), dout.reshape(len(dout), matrix.shape[0])
    dx = np.empty(x.shape, dtype=x.dtype)
    dx_rows = dx.reshape(x_rows.shape)

    def backward_images(first, stop):
        """Fills dx[first:stop]; returns this chunk's share of G = dout_rows.T @ x_rows, (K*P, C*H*W)."""
        np.matmul(dout_rows[first:stop], matrix, out=dx_rows[first:stop])
        return dout_rows[first:stop].T @ x_rows[first:stop]

    chunk = _images_per_chunk(len(x), matrix.size, min_multiply_adds_per_chunk)
    g = sum_in_order(run_in_chunks(backward_images, len(x), chunk))
    dw = np.empty(w.shape, dtype=x.dtype)
    conv_dense_kernels.weight_gradient(g, *window_entries(height, width, kh, kw, geometry), height * width, dw)
    return dx, dw


def _images_per_chunk(n_images, multiply_adds_per_image, min_multiply_adds):
    """Images per chunk: about min_multiply_adds each (a product of M with a few rows is fast; only the hand-off
    to a helper thread needs amortising)."""
    return chunk_size(n_images, multiply_adds_per_image, min_multiply_adds, min_cost=min_multiply_adds)
