"""Numba kernels for the two hot loops of convolution: im2col and col2im.

They are plain Python loops over scalars, which Numba compiles to machine code (`cache=True` keeps the compiled
code on disk between runs). With NUMBA_DISABLE_JIT=1, or without Numba installed, they run as ordinary Python:
correct but slow, so `im2col.py` then prefers the vectorised NumPy reference for real work.

The work is split over the batch only (`prange` over n): every image writes to its own columns in im2col and to its
own slice of dx in col2im, so col2im's `+=` can never race between threads.

Column layout (see im2col.py): cols[row, column] with
    row    = (c * kh + i) * kw + j            (channel, kernel row, kernel column)
    column = (n * out_h + oh) * out_w + ow    (image, output row, output column)
and the input pixel read by that entry is x[n, c, oh * stride - padding + i, ow * stride - padding + j].
"""

import os

try:
    from numba import njit, prange

    NUMBA_AVAILABLE = True
except ImportError:  # pragma: no cover - numba is a requirement, but keep the library importable without it
    NUMBA_AVAILABLE = False
    prange = range

    def njit(*args, **kwargs):
        if len(args) == 1 and callable(args[0]):
            return args[0]
        return lambda function: function


def jit_enabled():
    """True when the kernels below really run compiled (Numba installed and NUMBA_DISABLE_JIT unset)."""
    return NUMBA_AVAILABLE and os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")


@njit(parallel=True, cache=True)
def im2col_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, cols):
    """Fill cols (C*kh*kw, N*out_h*out_w) from x (N, C, H, W); positions in the zero padding get 0."""
    n_images, channels, height, width = x.shape
    for n in prange(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for oh in range(out_h):
                        h = oh * stride_h - pad_h + i
                        column = (n * out_h + oh) * out_w
                        if h < 0 or h >= height:
                            for ow in range(out_w):
                                cols[row, column + ow] = 0
                        else:
                            for ow in range(out_w):
                                w = ow * stride_w - pad_w + j
                                if 0 <= w < width:
                                    cols[row, column + ow] = x[n, c, h, w]
                                else:
                                    cols[row, column + ow] = 0


@njit(parallel=True, cache=True)
def col2im_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, dx):
    """Add every entry of cols back onto the pixel it was copied from (the adjoint of im2col).

    dx (N, C, H, W) must start at zero. Overlapping windows read a pixel more than once, so its gradient is the
    sum of all those reads: hence `+=`, not `=`. Entries that came from the padding are dropped.
    """
    n_images, channels, height, width = dx.shape
    for n in prange(n_images):
        for c in range(channels):
            for i in range(kh):
                for j in range(kw):
                    row = (c * kh + i) * kw + j
                    for oh in range(out_h):
                        h = oh * stride_h - pad_h + i
                        if h < 0 or h >= height:
                            continue
                        column = (n * out_h + oh) * out_w
                        for ow in range(out_w):
                            w = ow * stride_w - pad_w + j
                            if 0 <= w < width:
                                dx[n, c, h, w] += cols[row, column + ow]
