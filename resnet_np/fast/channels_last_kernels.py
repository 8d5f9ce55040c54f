"""Numba kernels for conv_channels_last.py: images to channels-last order, its im2col, and back.

Channels-last ("positions-major") column layout: cols_t[position, column] with
    position = (n * out_h + oh) * out_w + ow          (image, output row, output column)
    column   = (i * kw + j) * C + c                   (kernel row, kernel column, channel)
and the entry is x[n, c, oh * stride_h + i - pad_h, ow * stride_w + j - pad_w], or 0 in the padding. It is the
transpose of im2col_kernels.py's cols with the row order (c, i, j) changed to (i, j, c). Taken from a zero-padded
channels-last copy of x, padded[n, h, w, c], the kw * C values of kernel row i are one contiguous run of padded
(its row oh * stride_h + i, from pixel ow * stride_w on): the im2col is kh copies of kw * C values per output
position, not C * kh * kw copies of a few.

Serial and nogil for the reasons in im2col_kernels.py. With NUMBA_DISABLE_JIT=1 they run as plain Python.

forward_chunk_kernel and backward_chunk_kernel run a whole chunk of conv_channels_last.py, its matrix products
included (NumPy's BLAS, called from compiled code: blas.py), in one call from Python instead of four to six.
Inside the call they take a few images at a time (BLOCK_VALUES below), so that each block's padded copy and
column matrix are still in the CPU's cache when the product reads them.
"""

from .blas import gemm
from .jit import njit, uintp

# The chunk kernels work through a chunk a block of images at a time, each block's column matrix at most 32 Ki
# values (128 KiB of float32; always at least one image). Measured with the whole chunk at once (4096 positions)
# against blocks (float32, one thread, 3x3, NumPy's BLAS; docs/benchmarks.md): forward 330 -> 261 us at 16
# channels on 16x16 planes, 336 -> 267 on 8x8 planes, 253 -> 205 at 32 channels on 8x8, 356 -> 341 on 32x32
# planes (one image per block); the backward 603 -> 448 at 16 channels on 16x16. Larger blocks (512 positions
# and up) lost most of the gain.
BLOCK_VALUES = 1 << 15


@njit(cache=True, nogil=True)
def pad_channels_last_kernel(x, pad_h, pad_w, padded):
    """padded[n, h + pad_h, w + pad_w, c] = x[n, c, h, w]; the border of padded (pad_h rows, pad_w columns on each
    side) is set to 0. x (N, C, H, W), padded (N, H + 2 * pad_h, W + 2 * pad_w, C), both C-contiguous."""
    n_images, channels, height, width = x.shape
    padded_height, padded_width = padded.shape[1], padded.shape[2]
    for n in range(n_images):
        for h in range(padded_height):
            row = padded[n, h]
            if h < pad_h or h >= pad_h + height:
                for w in range(padded_width):
                    for c in range(channels):
                        row[w, c] = 0
                continue
            for w in range(pad_w):
                for c in range(channels):
                    row[w, c] = 0
                    row[padded_width - 1 - w, c] = 0
            for c in range(channels):  # reads run along x's rows; the writes stride by C values
                x_row = x[n, c, h - pad_h]
                for w in range(width):
                    row[uintp(w + pad_w), c] = x_row[w]


@njit(cache=True, nogil=True)
def im2col_padded_kernel(padded, kh, kw, stride_h, stride_w, out_h, out_w, cols_t):
    """cols_t (N*out_h*out_w, kh*kw*C) from padded (N, Hp, Wp, C): the row of position (n, oh, ow) is, for each
    kernel row i, the kw * C values of padded[n, oh * stride_h + i, ow * stride_w : ow * stride_w + kw, :]."""
    n_images, padded_height, padded_width, channels = padded.shape
    run = kw * channels
    flat = padded.reshape(n_images * padded_height * padded_width * channels)
    for n in range(n_images):
        for oh in range(out_h):
            for ow in range(out_w):
                row = cols_t[(n * out_h + oh) * out_w + ow]
                for i in range(kh):
                    source = uintp(((n * padded_height + oh * stride_h + i) * padded_width + ow * stride_w) * channels)
                    destination = uintp(i * run)
                    for k in range(uintp(run)):
                        row[destination + k] = flat[source + k]


@njit(cache=True, nogil=True)
def positions_to_images_kernel(matrix, images):
    """images[n, k, p] = matrix[n * P + p, k]: a product's (n*P, K) output -> images (n, K, P), P = h * w.

    Contiguous writes, reads striding by K values: at K = 16, 4 x 1024 positions, 41 us, against 121 us for the
    loop with k innermost (contiguous reads, writes striding by P) and 74-163 us for 16- and 32-wide tiles."""
    n_images, channels, positions = images.shape
    for n in range(n_images):
        for k in range(channels):
            destination = images[n, k]
            for p in range(positions):
                destination[p] = matrix[n * positions + p, k]


def images_per_block(positions_per_image, columns):
    """Images per block of a chunk: as many as keep the block's column matrix (positions x columns) within
    BLOCK_VALUES values, at least one. The chunk kernels below take this many images at a time."""
    return max(1, BLOCK_VALUES // (positions_per_image * columns))


@njit(cache=True, nogil=True)
def forward_chunk_kernel(x, weights_t_transposed, kh, kw, stride_h, stride_w, blas_address, blas_bits, padded,
                         cols_t, product, out):
    """out (n, K, out_h, out_w) = the convolution of x (n, C, H, W): cols_t @ W_t.T (conv_channels_last.py),
    a block of images at a time. weights_t_transposed (kh*kw*C, K). Scratch buffers, sized for one block of b
    images: padded (b, H + 2*pad_h, W + 2*pad_w, C), whose shape gives the padding, cols_t (b*out_h*out_w,
    kh*kw*C), product (b*out_h*out_w, K). All C-contiguous."""
    n_images, out_channels, out_h, out_w = out.shape
    block = padded.shape[0]
    pad_h, pad_w = (padded.shape[1] - x.shape[2]) // 2, (padded.shape[2] - x.shape[3]) // 2
    images = out.reshape(n_images, out_channels, out_h * out_w)
    for first in range(0, n_images, block):
        stop = min(first + block, n_images)
        rows = (stop - first) * out_h * out_w
        pad_channels_last_kernel(x[first:stop], pad_h, pad_w, padded[:stop - first])
        im2col_padded_kernel(padded[:stop - first], kh, kw, stride_h, stride_w, out_h, out_w, cols_t[:rows])
        gemm(blas_address, blas_bits, False, False, cols_t[:rows], weights_t_transposed, product[:rows])
        positions_to_images_kernel(product[:rows], images[first:stop])


@njit(cache=True, nogil=True)
def backward_chunk_kernel(dout, x, rotated_t, kh, kw, blas_address, blas_bits, padded, dout_cols_t, x_t, g_share,
                          dx):
    """The stride-1 backward of conv_channels_last.py on one chunk, a block of images at a time: fills dx
    (n, C, H, W) and g_share (kh*kw*K, C) = dout_cols_t.T @ x_t summed over the blocks, this chunk's share of G.
    dout (n, K, out_h, out_w), x (n, C, H, W), rotated_t (kh*kw*K, C). Scratch buffers, sized for one block of b
    images: padded (b, out_h + 2*(kh-1-pad_h), out_w + 2*(kw-1-pad_w), K), whose shape gives dout's padding,
    dout_cols_t (b*H*W, kh*kw*K), x_t (b*H*W, C). All C-contiguous."""
    n_images, channels, height, width = x.shape
    block = padded.shape[0]
    pad_h, pad_w = (padded.shape[1] - dout.shape[2]) // 2, (padded.shape[2] - dout.shape[3]) // 2
    dx_images = dx.reshape(n_images, channels, height * width)
    for first in range(0, n_images, block):
        stop = min(first + block, n_images)
        rows = (stop - first) * height * width
        pad_channels_last_kernel(dout[first:stop], pad_h, pad_w, padded[:stop - first])
        im2col_padded_kernel(padded[:stop - first], kh, kw, 1, 1, height, width, dout_cols_t[:rows])
        pad_channels_last_kernel(x[first:stop], 0, 0, x_t[:rows].reshape(stop - first, height, width, channels))
        gemm(blas_address, blas_bits, True, first > 0, dout_cols_t[:rows], x_t[:rows], g_share)
        gemm(blas_address, blas_bits, False, False, dout_cols_t[:rows], rotated_t, x_t[:rows])  # dx_t
        positions_to_images_kernel(x_t[:rows], dx_images[first:stop])
