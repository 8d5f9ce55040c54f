"""Exercises "conv2d_loops" and "conv2d": the convolution's forward and backward, first with loops, then with im2col.

Both have the library's signatures and cache (resnet_np/functional/conv.py), so either is a drop-in replacement:
    conv2d_forward(x, w, b=None, stride=1, padding=0) -> (out, cache)    x (N, C, H, W), w (K, C, kh, kw), b (K,)
    conv2d_backward(dout, cache) -> (dx, dw, db)                         db is None when there is no bias
The model answer of "conv2d_loops" is below (plain loops, one output pixel at a time); that of "conv2d" is the
library's im2col version. The grading is the same: the loops are the specification the fast version must meet.
"""

from functools import partial

import numpy as np

from .. import functional as F
from ..functional.conv import Conv2dCache
from .opcase import Op, grade_op
from .patterns import overlap_pattern
from .registry import Exercise
from .runner import Case

FUNCTIONS = ("conv2d_forward", "conv2d_backward")


def _pair(value):
    return (value, value) if np.isscalar(value) else tuple(value)


def conv2d_forward_loops(x, w, b=None, stride=1, padding=0):
    """The model answer of "conv2d_loops": out[n, k, i, j] = sum over (c, di, dj) of window * w[k] (+ b[k])."""
    (stride_h, stride_w), (pad_h, pad_w) = _pair(stride), _pair(padding)
    n_images, _, height, width = x.shape
    out_channels, _, kh, kw = w.shape
    out_h = (height + 2 * pad_h - kh) // stride_h + 1
    out_w = (width + 2 * pad_w - kw) // stride_w + 1
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    out = np.zeros((n_images, out_channels, out_h, out_w), dtype=x.dtype)
    for n in range(n_images):
        for k in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    window = x_padded[n, :, i * stride_h: i * stride_h + kh, j * stride_w: j * stride_w + kw]
                    out[n, k, i, j] = np.sum(window * w[k])
            if b is not None:
                out[n, k] += b[k]
    return out, Conv2dCache(x, w, (stride_h, stride_w, pad_h, pad_w, out_h, out_w), b is not None)


def conv2d_backward_loops(dout, cache):
    """The model answer of "conv2d_loops": every output pixel sends dout back to the window it read and to w[k]."""
    x, w = cache.x, cache.w
    stride_h, stride_w, pad_h, pad_w, out_h, out_w = cache.geometry
    n_images, _, height, width = x.shape
    out_channels, _, kh, kw = w.shape
    x_padded = np.pad(x, ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    for n in range(n_images):
        for k in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    rows = slice(i * stride_h, i * stride_h + kh)
                    cols = slice(j * stride_w, j * stride_w + kw)
                    dw[k] += dout[n, k, i, j] * x_padded[n, :, rows, cols]
                    dx_padded[n, :, rows, cols] += dout[n, k, i, j] * w[k]  # += : windows overlap
    dx = dx_padded[:, :, pad_h: pad_h + height, pad_w: pad_w + width]
    db = dout.sum(axis=(0, 2, 3)) if cache.has_bias else None
    return np.ascontiguousarray(dx), dw, db


TEMPLATE_LOOPS = '''\
from resnet_np.functional import Conv2dCache   # or any cache you like: only your backward reads it


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) or None -> (out (N, K, out_h, out_w), cache).

    out[n, k, oh, ow] = sum over c, i, j of x_padded[n, c, oh*stride + i, ow*stride + j] * w[k, c, i, j] (+ b[k])
    out_h = (H + 2*padding - kh) // stride + 1; stride and padding: an int or an (h, w) pair.
    """
    stride_h, stride_w = (stride, stride) if np.isscalar(stride) else stride
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    raise NotImplementedError  # your code here


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None when there was no b)."""
    raise NotImplementedError  # your code here
'''

TEMPLATE_IM2COL = '''\
from resnet_np.functional import Conv2dCache, col2im, im2col   # or your own im2col and col2im


def conv2d_forward(x, w, b=None, stride=1, padding=0):
    """x (N, C, H, W), w (K, C, kh, kw), b (K,) or None -> (out (N, K, out_h, out_w), cache).

    No loop over pixels: cols = im2col(x, ...), then one matrix product with w.reshape(K, C*kh*kw).
    out_h = (H + 2*padding - kh) // stride + 1; stride and padding: an int or an (h, w) pair.
    """
    stride_h, stride_w = (stride, stride) if np.isscalar(stride) else stride
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    raise NotImplementedError  # your code here


def conv2d_backward(dout, cache):
    """dout (N, K, out_h, out_w) -> (dx (N, C, H, W), dw (K, C, kh, kw), db (K,) or None when there was no b).

    No loop over pixels: matrix products, and col2im for dx.
    """
    raise NotImplementedError  # your code here
'''

# (x shape, w shape, bias, stride, padding, dtype, description)
CONFIGURATIONS = [
    ((2, 3, 5, 5), (4, 3, 3, 3), True, 1, 1, np.float64, "3x3, stride 1, padding 1, bias"),
    ((2, 3, 7, 7), (3, 3, 3, 3), False, 2, 1, np.float64, "3x3, stride 2, padding 1, no bias"),
    ((1, 2, 6, 5), (3, 2, 2, 3), True, (2, 1), (1, 0), np.float64,
     "batch 1, non-square 2x3 kernel, stride (2, 1), padding (1, 0), bias"),
    ((2, 3, 5, 7), (2, 3, 1, 1), False, 2, 0, np.float64, "1x1, stride 2 (a projection shortcut), odd sizes"),
    ((2, 3, 6, 6), (4, 3, 3, 3), True, 1, 1, np.float32, "3x3, stride 1, padding 1, bias, float32"),
]


def _out_not_transposed(out_with_bias, b):
    """The forward's mistake: (W @ cols) of shape (K, N*out_h*out_w) reshaped straight to (N, K, out_h, out_w)."""
    bias = 0 if b is None else b.reshape(1, -1, 1, 1)
    product = (out_with_bias - bias).transpose(1, 0, 2, 3)  # (K, N, out_h, out_w): W @ cols, unflattened
    return np.ascontiguousarray(product).reshape(out_with_bias.shape) + bias


def _dout_not_transposed(dout):
    """The backward's mistake: D = dout.reshape(K, -1) without dout.transpose(1, 0, 2, 3) first, as a dout the
    right backward would turn into the same D."""
    n_images, out_channels, out_h, out_w = dout.shape
    return np.ascontiguousarray(dout.reshape(out_channels, n_images, out_h, out_w).transpose(1, 0, 2, 3))


def _conv_hints(case, view):
    x, w, b, stride, padding = (view.args[name] for name in ("x", "w", "b", "stride", "padding"))
    flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
    ref_cache = F.conv2d_forward(x, w, b, stride, padding)[1]
    if case.recognise(view.out, F.conv2d_forward(x, flipped, b, stride, padding)[0], view.ref_out):
        case.hint("conv-flipped-kernel", "your forward flips the kernel (a convolution in the textbook sense). "
                  "Deep-learning libraries compute a cross-correlation: out[i, j] = sum of x[i + di, j + dj] * "
                  "w[di, dj], the kernel used as it is.", about="out")
    if b is not None and case.recognise(view.out, view.ref_out - b.reshape(1, -1, 1, 1), view.ref_out):
        case.hint("conv-missing-bias", "your out is right except that b is never added: out[:, k] += b[k].",
                  about="out")
    if case.recognise(view.out, _out_not_transposed(view.ref_out, b), view.ref_out):
        case.hint("conv-out-not-transposed", "your out holds W @ cols, of shape (K, N*out_h*out_w), reshaped "
                  "straight to (N, K, out_h, out_w): its columns are ordered (n, oh, ow), so reshape it to (K, N, "
                  "out_h, out_w) first, then transpose(1, 0, 2, 3). (With one image, N = 1, the two agree.)",
                  about="out")
    wrong_dout = F.conv2d_backward(_dout_not_transposed(view.dout), ref_cache)
    matched = [label for label, got, candidate in zip(("dx", "dw", "db"), (view.grads.get(label) for label in
                                                                           ("dx", "dw", "db")), wrong_dout,
                                                      strict=True)
               if got is not None and case.recognise(got, candidate, view.ref_grads[label])]
    if matched:
        case.hint("conv-dout-not-transposed", f"your {', '.join(matched)} {'is' if len(matched) == 1 else 'are'} "
                  "what the backward gives with D = dout.reshape(K, -1): dout is (N, K, out_h, out_w), so that "
                  "reshape mixes images and channels. Move the channel axis first: D = dout.transpose(1, 0, 2, "
                  "3).reshape(K, -1), columns ordered (n, oh, ow) like those of cols. (With one image, N = 1, the "
                  "two agree.)", about=matched)
    dw, ref_dw = view.grads.get("dw"), view.ref_grads["dw"]
    if case.recognise(dw, ref_dw[:, :, ::-1, ::-1], ref_dw):
        case.hint("conv-dw-flipped", "your dw is the right one with the kernel flipped (rows and columns "
                  "reversed). dw[k, c, di, dj] collects dout[n, k, i, j] * x_padded[n, c, i*stride + di, "
                  "j*stride + dj]: the kernel offset (di, dj) is not reversed.", about="dw")
    elif dw is not None and dw.shape[2] == dw.shape[3] and case.recognise(dw, ref_dw.transpose(0, 1, 3, 2), ref_dw):
        case.hint("conv-dw-transposed", "your dw has the kernel's rows and columns swapped (transposed): check the "
                  "order of (di, dj) in your reshape, the same order (c, di, dj) as the rows of im2col.", about="dw")
    elif dw is not None and dw.shape[0] == dw.shape[1] and case.recognise(dw, ref_dw.transpose(1, 0, 2, 3), ref_dw):
        case.hint("conv-dw-channels-swapped", "your dw has the output and input channels swapped: dw must have "
                  "w's shape (K, C, kh, kw), with dw[k, c] = dL/dw[k, c] (check D @ cols.T versus cols @ D.T).",
                  about="dw")
    dx, ref_dx = view.grads.get("dx"), view.ref_grads["dx"]
    if dx is None or case.matches(dx, ref_dx):
        return
    # A forward that flips the kernel leaves the flipped kernel in its cache: that dx is its consequence.
    forward_right = case.matches(view.out, view.ref_out)
    if forward_right and case.recognise(dx, F.conv2d_backward(view.dout, F.conv2d_forward(x, flipped, b, stride,
                                                                                           padding)[1])[0], ref_dx):
        case.hint("conv-dx-kernel-flipped", "your dx uses the kernel flipped: each output pixel sends dout[n, k, "
                  "i, j] * w[k] back onto exactly the window it read, w not reversed (the textbook 'full "
                  "convolution with the flipped kernel' is the same thing written differently).", about="dx")
        return
    _, _, kh, kw = w.shape
    coverage = F.col2im(np.ones_like(F.im2col(np.zeros_like(x), kh, kw, stride, padding), dtype=np.float64),
                        x.shape, kh, kw, stride, padding)
    if forward_right and not matched and overlap_pattern(dx, ref_dx, coverage):
        case.hint("col2im-overwrites", "dx is right where a pixel lies in one window only, and wrong where windows "
                  "overlap: the gradients of overlapping windows must be ADDED (+=, as col2im does), not "
                  "assigned (=).", about="dx")


def _grade(case, reference_forward, reference_backward, x_shape, w_shape, bias, stride, padding, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = (rng.standard_normal(w_shape) / np.sqrt(np.prod(w_shape[1:]))).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype) if bias else None
    op = Op("conv2d_forward", "conv2d_backward", reference_forward, reference_backward)
    grads = [("dx", "x"), ("dw", "w"), ("db", "b" if bias else None)]
    grade_op(case, op, [("x", x), ("w", w), ("b", b), ("stride", stride), ("padding", padding)], grads,
             seed=seed, hints=_conv_hints)


def _cases(reference_forward, reference_backward):
    return [Case(f"x{x_shape} w{w_shape}: {text}",
                 partial(_grade, reference_forward=reference_forward, reference_backward=reference_backward,
                         x_shape=x_shape, w_shape=w_shape, bias=bias, stride=stride, padding=padding, dtype=dtype,
                         seed=10 + index))
            for index, (x_shape, w_shape, bias, stride, padding, dtype, text) in enumerate(CONFIGURATIONS)]


CHECKED = ("for 5 configurations (stride 1 and 2, padding, a non-square kernel and input, 1x1, batch 1, with and "
           "without bias, float32): out, dx, dw, db against the model answer (shape, dtype, values); the "
           "gradients against central differences of your forward (float64, random upstream gradient); x, w, b "
           "and dout left unchanged.")

EXERCISES = [
    Exercise(
        name="conv2d_loops", title="conv2d forward and backward with loops", functions=FUNCTIONS,
        reference=lambda: (conv2d_forward_loops, conv2d_backward_loops),
        cases=lambda: _cases(conv2d_forward_loops, conv2d_backward_loops), checked=CHECKED,
        notebook="02_conv2d.ipynb", template=TEMPLATE_LOOPS),
    Exercise(
        name="conv2d", title="conv2d forward and backward with im2col", functions=FUNCTIONS,
        reference=lambda: (F.conv2d_forward, F.conv2d_backward),
        cases=lambda: _cases(F.conv2d_forward, F.conv2d_backward), checked=CHECKED,
        notebook="02_conv2d.ipynb", template=TEMPLATE_IM2COL),
]
