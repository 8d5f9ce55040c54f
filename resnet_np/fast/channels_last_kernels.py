"""Numba kernels for conv_channels_last.py: images to channels-last order, its im2col, and back.

Channels-last ("positions-major") column layout: cols_t[position, column] with
    position = (n * out_h + oh) * out_w + ow          (image, output row, output column)
    column   = (i * kw + j) * C + c                   (kernel row, kernel column, channel)
and the entry is x[n, c, oh * stride_h + i - pad_h, ow * stride_w + j - pad_w], or 0 in the padding. It is the
transpose of im2col_kernels.py's cols with the row order (c, i, j) changed to (i, j, c). Taken from a zero-padded
channels-last copy of x, padded[n, h, w, c], the kw * C values of kernel row i are one contiguous run of padded
(its row oh * stride_h + i, from pixel ow * stride_w on): the im2col is kh copies of kw * C values per output
position, not C * kh * kw copies of a few. At stride 1, kernel_row_runs_kernel copies each run only once for
all the kernel rows that use it (conv_channels_last.py's module docstring).

Serial and nogil for the reasons in im2col_kernels.py. With NUMBA_DISABLE_JIT=1 they run as plain Python.

forward_chunk_kernel (any stride, full im2col), forward_by_kernel_rows_kernel and backward_chunk_kernel (stride
1, kernel-row runs) run a whole chunk of conv_channels_last.py, its matrix products included (NumPy's BLAS, called
from compiled code: blas.py), in one call from Python instead of several per image.
"""

from .blas import gemm
from .jit import njit, uintp


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


@njit(cache=True, nogil=True)
def forward_chunk_kernel(x, weights_t_transposed, kh, kw, stride_h, stride_w, blas_address, blas_bits, padded,
                         cols_t, product, out):
    """out (n, K, out_h, out_w) = the convolution of x (n, C, H, W): cols_t @ W_t.T (conv_channels_last.py).
    weights_t_transposed (kh*kw*C, K). Scratch buffers: padded (n, H + 2*pad_h, W + 2*pad_w, C), whose shape
    gives the padding, cols_t (n*out_h*out_w, kh*kw*C), product (n*out_h*out_w, K). All C-contiguous."""
    n_images, out_channels, out_h, out_w = out.shape
    pad_h, pad_w = (padded.shape[1] - x.shape[2]) // 2, (padded.shape[2] - x.shape[3]) // 2
    pad_channels_last_kernel(x, pad_h, pad_w, padded)
    im2col_padded_kernel(padded, kh, kw, stride_h, stride_w, out_h, out_w, cols_t)
    gemm(blas_address, blas_bits, False, False, cols_t, weights_t_transposed, product)
    positions_to_images_kernel(product, out.reshape(n_images, out_channels, out_h * out_w))


@njit(cache=True, nogil=True)
def kernel_row_runs_kernel(padded, kw, out_w, runs):
    """runs (Hp*out_w, kw*C) from one padded image (Hp, Wp, C), stride 1: runs[h * out_w + ow] = the kw * C values
    of padded[h, ow : ow + kw, :], for every padded row h. Kernel row i of output position (oh, ow) is then row
    (oh + i) * out_w + ow, so the rows kernel row i needs for all positions are one slice: runs[i*out_w :
    i*out_w + out_h*out_w]. About a third of im2col's copying for a 3x3 kernel (kw*C values per padded row and
    output column, not kh*kw*C per position)."""
    padded_height, padded_width, channels = padded.shape
    run = kw * channels
    flat = padded.reshape(padded_height * padded_width * channels)
    for h in range(padded_height):
        for ow in range(out_w):
            row = runs[h * out_w + ow]
            source = uintp((h * padded_width + ow) * channels)
            for k in range(uintp(run)):
                row[k] = flat[source + k]


@njit(cache=True, nogil=True)
def forward_by_kernel_rows_kernel(x, weight_rows, blas_address, blas_bits, padded, runs, product, out):
    """Stride 1: out (n, K, out_h, out_w) = the convolution of x (n, C, H, W), one image at a time, as kh products
    out_t = sum over i of runs[i*out_w : i*out_w + out_h*out_w] @ weight_rows[i]   (kernel_row_runs_kernel)
    weight_rows (kh, kw*C, K): W_t.T's rows of kernel row i. Scratch buffers for one image: padded (1, H + 2*pad_h,
    W + 2*pad_w, C), whose shape gives the padding, runs ((H + 2*pad_h) * out_w, kw*C), product (out_h*out_w, K).
    All C-contiguous."""
    n_images, out_channels, out_h, out_w = out.shape
    kh, positions = weight_rows.shape[0], out_h * out_w
    kw = runs.shape[1] // x.shape[1]
    pad_h, pad_w = (padded.shape[1] - x.shape[2]) // 2, (padded.shape[2] - x.shape[3]) // 2
    images = out.reshape(n_images, out_channels, positions)
    for n in range(n_images):
        pad_channels_last_kernel(x[n:n + 1], pad_h, pad_w, padded)
        kernel_row_runs_kernel(padded[0], kw, out_w, runs)
        for i in range(kh):  # the first product writes product, the others add to it
            gemm(blas_address, blas_bits, False, i > 0, runs[i * out_w:i * out_w + positions], weight_rows[i],
                 product)
        positions_to_images_kernel(product, images[n:n + 1])


@njit(cache=True, nogil=True)
def backward_chunk_kernel(dout, x, rotated_rows, blas_address, blas_bits, padded, runs, x_t, g_share, dx):
    """The stride-1 backward of conv_channels_last.py on one chunk, one image at a time: fills dx (n, C, H, W) and
    g_share (kh*kw*K, C), this chunk's share of G, with the kernel-row runs of dout (kernel_row_runs_kernel):
        G[i*kw*K : (i+1)*kw*K] = sum over images of runs_i.T @ x_t      runs_i = runs[i*W : i*W + H*W]
        dx_t = sum over i of runs_i @ rotated_rows[i]
    dout (n, K, out_h, out_w), x (n, C, H, W), rotated_rows (kh, kw*K, C). Scratch buffers for one image: padded
    (1, out_h + 2*(kh-1-pad_h), out_w + 2*(kw-1-pad_w), K), whose shape gives dout's padding, runs
    (padded height * W, kw*K), x_t (H*W, C). All C-contiguous."""
    n_images, channels, height, width = x.shape
    kh, run, positions = rotated_rows.shape[0], rotated_rows.shape[1], height * width
    kw = run // dout.shape[1]
    pad_h, pad_w = (padded.shape[1] - dout.shape[2]) // 2, (padded.shape[2] - dout.shape[3]) // 2
    gradients = dx.reshape(n_images, channels, positions)
    for n in range(n_images):
        pad_channels_last_kernel(dout[n:n + 1], pad_h, pad_w, padded)
        kernel_row_runs_kernel(padded[0], kw, width, runs)
        pad_channels_last_kernel(x[n:n + 1], 0, 0, x_t.reshape(1, height, width, channels))
        for i in range(kh):  # the first image writes g_share, the others add to it
            gemm(blas_address, blas_bits, True, n > 0, runs[i * width:i * width + positions], x_t,
                 g_share[i * run:(i + 1) * run])
        for i in range(kh):  # dx_t, into x_t: x_t is no longer needed
            gemm(blas_address, blas_bits, False, i > 0, runs[i * width:i * width + positions], rotated_rows[i], x_t)
        positions_to_images_kernel(x_t, gradients[n:n + 1])
