"""im2col and col2im on the Numba kernels: the same columns as resnet_np.functional.im2col, in one pass over memory.

    cols = im2col(x, kh, kw, stride, padding, out=None)        # `out`: a preallocated array to fill
    dx   = col2im(cols, x_shape, kh, kw, stride, padding, out=None)

im2col_into / col2im_into skip the checks, for callers that have made them (conv calls them once per chunk).
"""

import numpy as np

from ..functional.im2col import check_cols_shape, window_geometry
from ..validation import require_float, require_ndim
from . import im2col_kernels

# Output planes of at most this many positions (8x8) take the small-plane kernels when the shifted-plane ones do
# not apply (strided layers): measured faster there, slower at 16x16 (see im2col_kernels.py).
SMALL_PLANE_POSITIONS = 64


def im2col(x, kh, kw, stride=1, padding=0, out=None):
    """x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w); zero padding of `padding` pixels on each side.

    `out`, if given, is a preallocated (C*kh*kw, N*out_h*out_w) array to fill (saves an allocation per call).
    """
    x = require_ndim("im2col", "x", x, 4, "(N, C, H, W)")
    require_float("im2col", "x", x)
    n_images, channels = x.shape[:2]
    geometry = window_geometry("im2col", x.shape, kh, kw, stride, padding)
    out_h, out_w = geometry[4:]
    shape = (channels * kh * kw, n_images * out_h * out_w)
    if out is None:
        out = np.empty(shape, dtype=x.dtype)
    elif out.shape != shape or out.dtype != x.dtype:
        raise ValueError(f"im2col: out must be {shape} {x.dtype}, got {out.shape} {out.dtype}")
    return im2col_into(np.ascontiguousarray(x), kh, kw, geometry, out)


def col2im(cols, x_shape, kh, kw, stride=1, padding=0, out=None):
    """cols (C*kh*kw, N*out_h*out_w) -> dx (N, C, H, W): the adjoint of im2col (overlaps are summed).

    `out`, if given, is a C-contiguous array of shape x_shape to write dx into (its content is overwritten).
    """
    x_shape = tuple(int(s) for s in x_shape)
    if len(x_shape) != 4:
        raise ValueError(f"col2im: x_shape must be (N, C, H, W), got {x_shape}")
    require_float("col2im", "cols", cols)
    geometry = window_geometry("col2im", x_shape, kh, kw, stride, padding)
    check_cols_shape(cols, x_shape, kh, kw, geometry[4], geometry[5])
    if out is None:
        out = np.empty(x_shape, dtype=cols.dtype)
    elif out.shape != x_shape or out.dtype != cols.dtype or not out.flags.c_contiguous:
        raise ValueError(f"col2im: out must be a C-contiguous {x_shape} {cols.dtype} array, "
                         f"got {out.shape} {out.dtype}")
    return col2im_into(np.ascontiguousarray(cols), kh, kw, geometry, out)


def im2col_into(x, kh, kw, geometry, out):
    """im2col without the checks. x C-contiguous (N, C, H, W); geometry = window_geometry(...); out the
    (C*kh*kw, N*out_h*out_w) cols to fill."""
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    if stride_h == stride_w == 1 and out_w == x.shape[3]:  # ResNet's 3x3/1 and 1x1/1 convolutions
        im2col_kernels.im2col_shifted_plane_kernel(x, kh, kw, pad_h, pad_w, out_h, out_w, out)
    elif out_h * out_w <= SMALL_PLANE_POSITIONS:
        im2col_kernels.im2col_small_plane_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    else:
        im2col_kernels.im2col_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    return out


def col2im_into(cols, kh, kw, geometry, out):
    """col2im without the checks: cols C-contiguous; out the C-contiguous (N, C, H, W) array to overwrite."""
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    if stride_h == stride_w == 1 and out_w == out.shape[3]:  # the kernels zero each plane of out, then add
        im2col_kernels.col2im_shifted_plane_kernel(cols, kh, kw, pad_h, pad_w, out_h, out_w, out)
    elif out_h * out_w <= SMALL_PLANE_POSITIONS:
        im2col_kernels.col2im_small_plane_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    else:
        im2col_kernels.col2im_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    return out
