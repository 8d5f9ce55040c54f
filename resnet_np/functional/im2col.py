"""im2col and col2im: turning convolution into one matrix product.

im2col copies every receptive field of the input into a column:

    x (N, C, H, W)  ->  cols (C*kh*kw, N*out_h*out_w)

so that a convolution with weights w (K, C, kh, kw) is a single matrix product

    out = w.reshape(K, C*kh*kw) @ cols          (K, N*out_h*out_w)

col2im is the adjoint (transpose) of im2col: it adds every column entry back onto the input pixel it was copied
from. Where windows overlap, a pixel appears in several columns, so its gradient is the sum of all of them.
Adjoint means <im2col(x), y> = <x, col2im(y)> for every x and y, which is exactly what backprop needs:
dL/dx = col2im(dL/dcols).

Two implementations with identical results:
- `im2col_reference` / `col2im_reference`: vectorised NumPy, a loop over the kh*kw kernel offsets; read these.
- Numba kernels in kernels.py: scalar loops compiled to machine code (one pass over memory); used for speed.
`im2col` / `col2im` pick one according to `get_backend()`.
"""

import os

import numpy as np

from . import kernels
from ._validation import pair, require_float, require_ndim

_VALID_BACKENDS = ("numba", "numpy")


def _default_backend():
    requested = os.environ.get("RESNET_NP_BACKEND", "").strip().lower()
    if requested in _VALID_BACKENDS:
        return requested
    # Under NUMBA_DISABLE_JIT=1 the kernels are interpreted Python (~1000x slower): use NumPy for real work then;
    # the tests still run the kernels themselves on small inputs.
    return "numba" if kernels.jit_enabled() else "numpy"


_backend = _default_backend()


def get_backend():
    """'numba' (compiled kernels) or 'numpy' (the vectorised reference)."""
    return _backend


def set_backend(name):
    """Choose the im2col/col2im implementation: 'numba' or 'numpy'. Returns the previous one."""
    global _backend
    if name not in _VALID_BACKENDS:
        raise ValueError(f"set_backend: expected one of {_VALID_BACKENDS}, got {name!r}")
    previous, _backend = _backend, name
    return previous


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


# ----------------------------------------------------------------------------------------------------------------
# The readable NumPy reference
# ----------------------------------------------------------------------------------------------------------------


def im2col_reference(x, kh, kw, stride=1, padding=0):
    """x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w), one kernel offset (i, j) at a time."""
    x = require_ndim("im2col", "x", x, 4, "(N, C, H, W)")
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


def col2im_reference(cols, x_shape, kh, kw, stride=1, padding=0):
    """cols (C*kh*kw, N*out_h*out_w) -> dx (N, C, H, W), adding overlapping contributions."""
    n_images, channels, height, width = x_shape
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = window_geometry("col2im", x_shape, kh, kw, stride, padding)
    _check_cols_shape(cols, x_shape, kh, kw, out_h, out_w)
    cols = cols.reshape(channels, kh, kw, n_images, out_h, out_w)
    dx_padded = np.zeros((n_images, channels, height + 2 * pad_h, width + 2 * pad_w), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            # += because overlapping windows send several gradients to the same pixel.
            dx_padded[:, :, i : i + stride_h * out_h : stride_h, j : j + stride_w * out_w : stride_w] += cols[
                :, i, j
            ].transpose(1, 0, 2, 3)
    return dx_padded[:, :, pad_h : pad_h + height, pad_w : pad_w + width]


def _check_cols_shape(cols, x_shape, kh, kw, out_h, out_w):
    n_images, channels = x_shape[:2]
    expected = (channels * kh * kw, n_images * out_h * out_w)
    if cols.shape != expected:
        raise ValueError(f"col2im: cols must have shape {expected} for input {tuple(x_shape)}, got {cols.shape}")


# ----------------------------------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------------------------------


def im2col(x, kh, kw, stride=1, padding=0, out=None):
    """x (N, C, H, W) -> cols (C*kh*kw, N*out_h*out_w); zero padding of `padding` pixels on each side.

    `out`, if given, is a preallocated (C*kh*kw, N*out_h*out_w) array to fill (saves an allocation per call).
    """
    x = require_ndim("im2col", "x", x, 4, "(N, C, H, W)")
    require_float("im2col", "x", x)
    n_images, channels = x.shape[:2]
    geometry = window_geometry("im2col", x.shape, kh, kw, stride, padding)
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    if _backend == "numpy" and out is None:
        return im2col_reference(x, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
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
    _check_cols_shape(cols, x_shape, kh, kw, geometry[4], geometry[5])
    if out is None:
        out = np.empty(x_shape, dtype=cols.dtype)
    elif out.shape != x_shape or out.dtype != cols.dtype or not out.flags.c_contiguous:
        raise ValueError(f"col2im: out must be a C-contiguous {x_shape} {cols.dtype} array, "
                         f"got {out.shape} {out.dtype}")
    return col2im_into(np.ascontiguousarray(cols), kh, kw, geometry, out)


def im2col_into(x, kh, kw, geometry, out):
    """im2col without the checks, for callers that have made them (conv calls it once per chunk of images).

    x C-contiguous (N, C, H, W); geometry = window_geometry(...); out the (C*kh*kw, N*out_h*out_w) cols to fill.
    """
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    if _backend == "numpy":
        out[...] = im2col_reference(x, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    elif stride_h == stride_w == 1 and out_w == x.shape[3]:  # ResNet's 3x3/1 and 1x1/1 convolutions
        kernels.im2col_shifted_plane_kernel(x, kh, kw, pad_h, pad_w, out_h, out_w, out)
    else:
        kernels.im2col_kernel(x, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    return out


def col2im_into(cols, kh, kw, geometry, out):
    """col2im without the checks: cols C-contiguous; out the C-contiguous (N, C, H, W) array to overwrite."""
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = geometry
    if _backend == "numpy":
        out[...] = col2im_reference(cols, out.shape, kh, kw, (stride_h, stride_w), (pad_h, pad_w))
    elif stride_h == stride_w == 1 and out_w == out.shape[3]:  # the kernels zero each plane of out, then add
        kernels.col2im_shifted_plane_kernel(cols, kh, kw, pad_h, pad_w, out_h, out_w, out)
    else:
        kernels.col2im_kernel(cols, kh, kw, stride_h, stride_w, pad_h, pad_w, out_h, out_w, out)
    return out
