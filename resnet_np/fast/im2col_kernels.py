"""Numba kernels for the hot loops of convolution: im2col, col2im, and the layout copy around the products.

They are plain Python loops over scalars, which Numba compiles to machine code (`cache=True` keeps the compiled
code on disk between runs). With NUMBA_DISABLE_JIT=1, or without Numba installed, they run as ordinary Python:
correct but slow, so resnet_np then chooses the reference backend for real work (resnet_np/runtime.py).

Why serial (no `parallel=True`): on a 2-core machine Numba's parallel threads and OpenBLAS's worker threads
(which keep spinning for a while after each product) fought over the cores: a parallel kernel ran at half speed
right after a product. Instead conv works on chunks of images, several threads take chunks at once
(chunks.py), and each chunk calls these kernels on its own images. `nogil=True` lets the compiled code run
without Python's global interpreter lock, so those threads really run together. A serial kernel also has no
thread start-up cost on tiny inputs (gradient checks) and compiles several times faster.

Column layout (see resnet_np/functional/im2col.py): cols[row, column] with
    row    = (c * kh + i) * kw + j            (channel, kernel row, kernel column)
    column = (n * out_h + oh) * out_w + ow    (image, output row, output column)
and the input pixel read by that entry is x[n, c, oh * stride - padding + i, ow * stride - padding + j].
For each kernel offset (i, j) the output columns ow whose pixel lies inside the image form one range
[ow_first, ow_stop) (see _inside); outside it the entry is padding. Splitting the loop there removes the bounds
test from the innermost loop, and indexing with unsigned integers (uintp) spares Numba the check for negative
indices (Python's x[-1]) on every element: together, measured 1.3-2x faster than a loop with an `if` inside.
"""

import numpy as np

from .jit import njit, uintp


@njit(cache=True, nogil=True)
def _inside(offset, stride, pad, size, out_size):
    """[first, stop): the outputs o with 0 <= o * stride - pad + offset < size (the rest read the padding)."""
    first = 0
    if pad - offset > 0:
        first = (pad - offset + stride - 1) // stride
    stop = 0
    if size - 1 + pad - offset >= 0:
        stop = (size - 1 + pad - offset) // stride + 1
    stop = min(stop, out_size)
    return min(first, stop), stop


@njit(cache=True, nogil=True)
def im2col_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, cols):
    """Fill cols (C*kh*kw, N*out_h*out_w) from x (N, C, H, W); positions in the zero padding get 0."""
    n_images, channels, height, width = x.shape
    for n in range(n_images):
        for c in range(channels):
            plane = x[n, c]
            for i in range(kh):
                for j in range(kw):
                    cols_row = cols[(c * kh + i) * kw + j]
                    ow_first, ow_stop = _inside(j, stride_w, pad_w, width, out_w)
                    for oh in range(out_h):
                        h = oh * stride_h - pad_h + i
                        column = (n * out_h + oh) * out_w
                        if h < 0 or h >= height:
                            for ow in range(out_w):
                                cols_row[uintp(column + ow)] = 0
                            continue
                        x_row = plane[h]
                        for ow in range(ow_first):
                            cols_row[uintp(column + ow)] = 0
                        first_pixel = uintp(ow_first * stride_w + j - pad_w)
                        for k in range(uintp(ow_stop - ow_first)):
                            cols_row[uintp(column + ow_first) + k] = x_row[first_pixel + k * uintp(stride_w)]
                        for ow in range(ow_stop, out_w):
                            cols_row[uintp(column + ow)] = 0


@njit(cache=True, nogil=True)
def window_pixels(i, j, stride_h, stride_w, pad_h, pad_w, height, width, out_h, out_w, table):
    """table[oh * out_w + ow] = the flat pixel h * W + w that output (oh, ow) reads at kernel offset (i, j), or -1
    where that is padding."""
    for oh in range(out_h):
        h = oh * stride_h - pad_h + i
        for ow in range(out_w):
            w = ow * stride_w - pad_w + j
            table[oh * out_w + ow] = h * width + w if (0 <= h < height and 0 <= w < width) else -1


@njit(cache=True, nogil=True)
def im2col_small_plane_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, cols):
    """The same cols as im2col_kernel, for small output planes: each offset's pixels are looked up in a table
    made once per (i, j), so the loop over a row of cols is one flat loop per image with no per-output-row
    bookkeeping. At ResNet's strided 3x3 layers with 4x4 and 8x8 outputs: 1.2-2.3x faster than im2col_kernel;
    at 16x16 outputs 1.4x slower (there the short runs of im2col_kernel are long enough)."""
    n_images, channels, height, width = x.shape
    plane_size = out_h * out_w
    pixels = height * width
    x_flat = x.reshape(n_images * channels * pixels)
    table = np.empty(plane_size, np.int64)
    for i in range(kh):
        for j in range(kw):
            window_pixels(i, j, stride_h, stride_w, pad_h, pad_w, height, width, out_h, out_w, table)
            for c in range(channels):
                row = cols[(c * kh + i) * kw + j]
                for n in range(n_images):
                    start = uintp(n * plane_size)
                    base = uintp((n * channels + c) * pixels)
                    for p in range(uintp(plane_size)):
                        pixel = table[p]
                        value = x_flat[base + uintp(max(pixel, 0))]  # read anyway: a select, not a branch
                        row[start + p] = value if pixel >= 0 else 0


@njit(cache=True, nogil=True)
def col2im_small_plane_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, dx):
    """col2im_kernel with the tables of im2col_small_plane_kernel. Each pixel's sum runs over the offsets (i, j)
    in the same order as in col2im_kernel, so the two give the same bits."""
    n_images, channels, height, width = dx.shape
    plane_size = out_h * out_w
    pixels = height * width
    dx_flat = dx.reshape(n_images * channels * pixels)
    dx_flat[:] = 0
    table = np.empty(plane_size, np.int64)
    for i in range(kh):
        for j in range(kw):
            window_pixels(i, j, stride_h, stride_w, pad_h, pad_w, height, width, out_h, out_w, table)
            for c in range(channels):
                row = cols[(c * kh + i) * kw + j]
                for n in range(n_images):
                    start = uintp(n * plane_size)
                    base = uintp((n * channels + c) * pixels)
                    for p in range(uintp(plane_size)):
                        pixel = table[p]
                        if pixel >= 0:
                            dx_flat[base + uintp(pixel)] += row[start + p]


@njit(cache=True, nogil=True)
def im2col_shifted_plane_kernel(x, kh, kw, pad_h, pad_w, out_h, out_w, cols):
    """The same cols as im2col_kernel, for stride 1 when out_w == W (a "same" width: kw = 2 * pad_w + 1).

    Then output position (oh, ow) of offset (i, j) reads input pixel (oh + i - pad_h, ow + j - pad_w), whose
    index in the flattened plane is the position's own index oh * W + ow shifted by (i - pad_h) * W + (j - pad_w).
    So each image's stretch of a cols row is the flattened plane, shifted: one long copy instead of out_h short
    ones (20-30% faster at ResNet's 3x3 layers). The entries whose shifted pixel wrapped round a row's edge are
    padding: a mask of the positions inside the image, worked out once per offset (i, j), zeroes them within
    the same copy loop (a vector select), as it zeroes the output rows that lie wholly in the padding.
    The bounds depend only on (i, j), so the channels and then the images follow in the inner loops: on small
    planes (2x2 to 8x8) per-row bookkeeping (bounds, then separate loops zeroing the wrapped entries) cost more
    than the copy; with the mask the kernel ran 1.3-1.8x faster at ResNet-20's layers at 4x4 to 32x32.
    """
    n_images, channels, height, width = x.shape
    plane_size = out_h * out_w
    pixels = height * width
    x_flat = x.reshape(n_images * channels * pixels)
    inside = np.empty(plane_size, np.bool_)
    for i in range(kh):
        oh_first, oh_stop = _inside(i, 1, pad_h, height, out_h)
        for j in range(kw):
            ow_first, ow_stop = _inside(j, 1, pad_w, width, out_w)
            inside[:] = False
            for oh in range(oh_first, oh_stop):
                for ow in range(ow_first, ow_stop):
                    inside[oh * out_w + ow] = True
            shift = (i - pad_h) * width + (j - pad_w)
            first, stop = oh_first * out_w, oh_stop * out_w  # the output rows inside the image
            copy_first = min(max(first, -shift), stop)  # ... whose shifted index lies in the plane
            copy_stop = max(copy_first, min(stop, pixels - shift))
            for c in range(channels):
                row = cols[(c * kh + i) * kw + j]
                for n in range(n_images):
                    start = uintp(n * plane_size)
                    for p in range(copy_first):
                        row[start + uintp(p)] = 0
                    if copy_stop > copy_first:  # (then copy_first + shift >= 0)
                        source = uintp((n * channels + c) * pixels + copy_first + shift)
                        destination = start + uintp(copy_first)
                        for k in range(uintp(copy_stop - copy_first)):
                            value = x_flat[source + k]
                            row[destination + k] = value if inside[uintp(copy_first) + k] else 0
                    for p in range(copy_stop, plane_size):
                        row[start + uintp(p)] = 0


@njit(cache=True, nogil=True)
def col2im_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, dx):
    """Write into dx (N, C, H, W) the sum, for every pixel, of the cols entries copied from it (im2col's adjoint).

    Overlapping windows read a pixel more than once, so its gradient is the sum of all those reads: hence `+=`
    (onto a plane set to zero first; dx's previous content is ignored). Entries that came from the padding are
    dropped.
    """
    n_images, channels, height, width = dx.shape
    for n in range(n_images):
        for c in range(channels):
            plane = dx[n, c]
            plane[:, :] = 0
            for i in range(kh):
                for j in range(kw):
                    cols_row = cols[(c * kh + i) * kw + j]
                    ow_first, ow_stop = _inside(j, stride_w, pad_w, width, out_w)
                    first_pixel = uintp(ow_first * stride_w + j - pad_w)
                    for oh in range(out_h):
                        h = oh * stride_h - pad_h + i
                        if h < 0 or h >= height:
                            continue
                        dx_row = plane[h]
                        first_column = uintp((n * out_h + oh) * out_w + ow_first)
                        for k in range(uintp(ow_stop - ow_first)):
                            dx_row[first_pixel + k * uintp(stride_w)] += cols_row[first_column + k]


@njit(cache=True, nogil=True)
def col2im_shifted_plane_kernel(cols, kh, kw, pad_h, pad_w, out_h, out_w, dx):
    """col2im_kernel for stride 1 when out_w == W, with the shifted-plane indexing of im2col_shifted_plane_kernel:
    output position p of offset (i, j) adds onto flattened pixel p + (i - pad_h) * W + (j - pad_w). Each output
    row still adds only its entries inside the image (ow in [ow_first, ow_stop)), but with flat indices and no
    per-row bounds test: ~20% faster at ResNet's 3x3 layers. Sums in the same order as col2im_kernel."""
    n_images, channels, height, width = dx.shape
    plane_size = out_h * out_w
    for n in range(n_images):
        for c in range(channels):
            plane = dx[n, c].ravel()
            plane[:] = 0
            for i in range(kh):
                oh_first, oh_stop = _inside(i, 1, pad_h, height, out_h)
                for j in range(kw):
                    row = cols[(c * kh + i) * kw + j, n * plane_size:(n + 1) * plane_size]
                    shift = (i - pad_h) * width + (j - pad_w)
                    ow_first, ow_stop = _inside(j, 1, pad_w, width, out_w)
                    for oh in range(oh_first, oh_stop):
                        position = uintp(oh * out_w + ow_first)
                        pixel = uintp(oh * out_w + ow_first + shift)
                        for k in range(uintp(ow_stop - ow_first)):
                            plane[pixel + k] += row[position + k]


@njit(cache=True, nogil=True)
def swap_leading_axes_kernel(source, destination):
    """destination[b, a, i] = source[a, b, i]: source (A, B, L) -> destination (B, A, L), both C-contiguous.

    conv.py's layout copies between images (n, C, h*w) and product matrices (C, n, h*w). NumPy does the same copy
    with one memcpy per run of h*w values, and glibc's memcpy of 4 KiB runs (ResNet's 32x32 planes in float32)
    was up to 6x slower than this loop at some alignments of the two arrays (94 vs 15 us for 0.25 MiB; the loop
    compiles to plain vector loads and stores). In a ResNet-20 training step the copies took 20 instead of 24 ms.
    """
    leading, second, length = source.shape
    for a in range(leading):
        for b in range(second):
            for i in range(length):
                destination[b, a, i] = source[a, b, i]
