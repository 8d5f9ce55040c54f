"""im2col and col2im: turning convolution into one matrix product.

im2col copies every receptive field of the input into a column:

    x (N, C, H, W)  ->  cols (C*kh*kw, N*out_h*out_w)

    row    = (c * kh + i) * kw + j            (channel, kernel row, kernel column)
    column = (n * out_h + oh) * out_w + ow    (image, output row, output column)
    cols[row, column] = x[n, c, oh*stride - padding + i, ow*stride - padding + j]   (0 in the padding)

so that a convolution with weights w (K, C, kh, kw) is a single matrix product

    out = w.reshape(K, C*kh*kw) @ cols          (K, N*out_h*out_w)

col2im is the adjoint (transpose) of im2col: it adds every column entry back onto the input pixel it was copied
from. Where windows overlap, a pixel appears in several columns, so its gradient is the sum of all of them.
Adjoint means <im2col(x), y> = <x, col2im(y)> for every x and y, which is exactly what backprop needs:
dL/dx = col2im(dL/dcols).
"""

import numpy as np

from ..validation import pair, require_float, require_ndim


def conv_output_size(size, kernel, stride, padding):
    """Output length of a sliding window: floor((size + 2*padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


def window_geometry(op, x_shape, kh, kw, stride, padding):
    """Validate the window against the input; return (stride_h, stride_w, pad_h, pad_w, out_h, out_w)."""
    kh, kw = pair(op, "kernel size", (kh, kw), 1)
    stride_h, stride_w = pair(op, "stride", stride, 1)
    pad_h, pad_w = pair(op, "padding", padding, 0)
    _, _, height, width = x_shape
    if kh > height + 2 * pad_h or kw > width + 2 * pad_w:
        raise ValueError(
            f"{op}: kernel {kh}x{kw} is larger than the padded input "
            f"{height + 2 * pad_h}x{width + 2 * pad_w} (input {height}x{width}, padding {pad_h},{pad_w})"
        )
    out_h = conv_output_size(height, kh, stride_h, pad_h)
    out_w = conv_output_size(width, kw, stride_w, pad_w)
    return stride_h, stride_w, pad_h, pad_w, out_h, out_w


def im2col(x, kh, kw, stride=1, padding=0):
    """x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w), one kernel offset (i, j) at a time."""
    x = require_ndim("im2col", "x", x, 4, "(N, C, H, W)")
    require_float("im2col", "x", x)
    n_images, channels = x.shape[:2]
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = window_geometry("im2col", x.shape, kh, kw, stride, padding)
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    cols = np.empty((channels, kh, kw, n_images, out_h, out_w), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            # Every output position reads the pixel at offset (i, j) of its window: one strided slice.
            window = x_padded[:, :, i : i + stride_h * out_h : stride_h, j : j + stride_w * out_w : stride_w]
            cols[:, i, j] = window.transpose(1, 0, 2, 3)
    return cols.reshape(channels * kh * kw, n_images * out_h * out_w)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0):
    """cols (C*kh*kw, N*out_h*out_w) -> dx (N, C, H, W), adding overlapping contributions."""
    x_shape = tuple(int(size) for size in x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"col2im: x_shape must be (N, C, H, W), got {x_shape}")
    require_float("col2im", "cols", cols)
    n_images, channels, height, width = x_shape
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = window_geometry("col2im", x_shape, kh, kw, stride, padding)
    check_cols_shape(cols, x_shape, kh, kw, out_h, out_w)
    cols = cols.reshape(channels, kh, kw, n_images, out_h, out_w)
    dx_padded = np.zeros((n_images, channels, height + 2 * pad_h, width + 2 * pad_w), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            # += because overlapping windows send several gradients to the same pixel.
            dx_padded[:, :, i : i + stride_h * out_h : stride_h, j : j + stride_w * out_w : stride_w] += cols[
                :, i, j
            ].transpose(1, 0, 2, 3)
    return np.ascontiguousarray(dx_padded[:, :, pad_h : pad_h + height, pad_w : pad_w + width])


def check_cols_shape(cols, x_shape, kh, kw, out_h, out_w):
    n_images, channels = x_shape[:2]
    expected = (channels * kh * kw, n_images * out_h * out_w)
    if cols.shape != expected:
        raise ValueError(f"col2im: cols must have shape {expected} for input {tuple(x_shape)}, got {cols.shape}")
