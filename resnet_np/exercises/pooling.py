"""Exercises "maxpool2d" (overlapping windows, padding, ties) and "global_avgpool".

Signatures and caches as in resnet_np/functional/pooling.py:
    maxpool2d_forward(x, kernel_size, stride=None, padding=0) -> (out, cache)   stride None: = kernel_size
    maxpool2d_backward(dout, cache) -> dx
    global_avgpool_forward(x) -> (out (N, C), cache);  global_avgpool_backward(dout, cache) -> dx
Max pooling pads with -infinity (a padded position never wins), and a tie goes to the FIRST maximum of the
window in row-by-row order, as in PyTorch: the gradient of a window goes to exactly one input.
"""

from functools import partial

import numpy as np

from .. import functional as F
from ..functional.im2col import conv_output_size
from .opcase import Op, grade_op
from .patterns import overlap_pattern, scale_factor
from .registry import Exercise
from .runner import Case

MAXPOOL_TEMPLATE = '''\
def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    """x (N, C, H, W) -> (out (N, C, out_h, out_w), cache); out_h = (H + 2*padding - kh) // stride + 1.

    Each output is the largest value of its window. stride=None means stride = kernel_size. The padding is
    -infinity (a padded position never wins). kernel_size, stride, padding: an int or an (h, w) pair.
    """
    kh, kw = (kernel_size, kernel_size) if np.isscalar(kernel_size) else kernel_size
    stride = (kh, kw) if stride is None else stride
    stride_h, stride_w = (stride, stride) if np.isscalar(stride) else stride
    pad_h, pad_w = (padding, padding) if np.isscalar(padding) else padding
    raise NotImplementedError  # your code here


def maxpool2d_backward(dout, cache):
    """dout (N, C, out_h, out_w) -> dx (N, C, H, W): each dout goes to the winner of its window (the first
    maximum in row-by-row order when there is a tie); where windows overlap, a pixel collects from several."""
    raise NotImplementedError  # your code here
'''

AVGPOOL_TEMPLATE = '''\
def global_avgpool_forward(x):
    """x (N, C, H, W) -> (out (N, C), cache): the mean of each feature map."""
    raise NotImplementedError  # your code here


def global_avgpool_backward(dout, cache):
    """dout (N, C) -> dx (N, C, H, W)."""
    raise NotImplementedError  # your code here
'''


def _pair(value):
    return (value, value) if np.isscalar(value) else tuple(value)


def maxpool_variant(x, kernel_size, stride, padding, dout, ties="first", pad_value=-np.inf):
    """(out, dx) of max pooling by loops, with a chosen tie rule and padding value: the recognised mistakes.

    ties: "first" (right), "last", "all" (every tied maximum gets the whole dout), "split" (shared equally).
    """
    (kh, kw), (pad_h, pad_w) = _pair(kernel_size), _pair(padding)
    stride_h, stride_w = _pair(kernel_size if stride is None else stride)
    n_images, channels, height, width = x.shape
    out_h, out_w = conv_output_size(height, kh, stride_h, pad_h), conv_output_size(width, kw, stride_w, pad_w)
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad_h, pad_h), (pad_w, pad_w)),
                    constant_values=pad_value)
    out = np.empty((n_images, channels, out_h, out_w))
    dx = np.zeros_like(padded)
    for n in range(n_images):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    rows, cols = slice(i * stride_h, i * stride_h + kh), slice(j * stride_w, j * stride_w + kw)
                    window = padded[n, c, rows, cols]
                    out[n, c, i, j] = window.max()
                    winners = np.flatnonzero(window.ravel() == window.max())
                    share = np.zeros(window.size)
                    if ties in ("first", "last"):
                        share[winners[0] if ties == "first" else winners[-1]] = 1.0
                    else:
                        share[winners] = 1.0 if ties == "all" else 1.0 / len(winners)
                    dx[n, c, rows, cols] += dout[n, c, i, j] * share.reshape(kh, kw)
    return out, dx[:, :, pad_h: pad_h + height, pad_w: pad_w + width]


def _maxpool_hints(case, view):
    x, kernel, stride, padding = (view.args[name] for name in ("x", "kernel_size", "stride", "padding"))
    if np.any(_pair(padding)):
        zero_padded, _ = maxpool_variant(x, kernel, stride, padding, view.dout, pad_value=0.0)
        if case.matches(view.out, zero_padded):
            case.hint("maxpool-zero-padding", "your forward pads with zeros: where a window near the border holds "
                      "only negative values, the padding wins. Pad with -infinity (np.pad(..., "
                      "constant_values=-np.inf)), as PyTorch does, so a padded position never wins.", about="out")
    dx, ref_dx = view.grads.get("dx"), view.ref_grads["dx"]
    if dx is None or case.matches(dx, ref_dx):
        return
    for ties, text in (("all", "every tied maximum gets the whole dout"), ("split", "dout is shared among the "
                       "tied maxima"), ("last", "dout goes to the LAST tied maximum")):
        if case.matches(dx, maxpool_variant(x, kernel, stride, padding, view.dout, ties=ties)[1]):
            case.hint("maxpool-ties", f"in your backward, {text}. Where several inputs of a window share the "
                      "maximum, the gradient must go to exactly one of them, the first in row-by-row order (as "
                      "np.argmax and PyTorch choose): the forward used one value, so one input gets dout.", about="dx")
            return
    wins = F.maxpool2d_backward(np.ones(view.ref_out.shape), F.maxpool2d_forward(x.astype(np.float64), kernel,
                                                                                 stride, padding)[1])
    if overlap_pattern(dx, ref_dx, wins):  # inputs that win once are right, those that win several times not
        case.hint("maxpool-overwrites", "dx is right except at the inputs that win in SEVERAL overlapping windows: "
                  "there the gradients of all those windows must be added (+=, or np.add.at), not assigned (=; "
                  "fancy-index assignment dx[idx] = dout also keeps only one of repeated indices).", about="dx")


MAXPOOL_CASES = [
    # (x shape, kernel, stride, padding, dtype, values, description)
    ((2, 2, 6, 6), 2, None, 0, np.float64, "normal", "2x2, stride None (= 2): no overlap"),
    ((2, 2, 5, 5), 3, 1, 1, np.float64, "normal", "3x3, stride 1, padding 1: windows overlap a lot"),
    ((1, 3, 7, 6), 3, 2, 1, np.float64, "negative",
     "3x3, stride 2, padding 1 (the ResNet stem), batch 1, odd non-square, mostly negative values"),
    ((2, 2, 6, 6), 3, 2, 0, np.float64, "ties", "3x3, stride 2, values 0, 1, 2 only: ties in every window"),
    ((2, 3, 6, 6), (3, 3), (2, 2), (1, 1), np.float32, "normal", "3x3, stride 2, padding 1 as pairs, float32"),
]


def _grade_maxpool(case, x_shape, kernel, stride, padding, dtype, values, seed):
    rng = np.random.default_rng(seed)
    if values == "ties":
        x = rng.integers(0, 3, size=x_shape).astype(dtype)
    else:
        x = (rng.standard_normal(x_shape) - (1.5 if values == "negative" else 0.0)).astype(dtype)
    op = Op("maxpool2d_forward", "maxpool2d_backward", F.maxpool2d_forward, F.maxpool2d_backward)
    args = [("x", x), ("kernel_size", kernel), ("stride", stride), ("padding", padding)]
    # At a tie the max is not differentiable: there the rule (first maximum) is checked, not finite differences.
    grade_op(case, op, args, [("dx", "x")], seed=seed, finite_differences=values != "ties", hints=_maxpool_hints)


def _avgpool_hints(case, view):
    dx = view.grads.get("dx")
    if dx is None:
        return
    _, _, height, width = view.args["x"].shape
    factor = scale_factor(dx, view.ref_grads["dx"])
    if factor is not None and height * width > 1 and abs(factor - height * width) < 1e-6 * height * width:
        case.hint("avgpool-scale", f"your dx is H*W = {height * width} times too large: the forward divides the "
                  "sum of the H*W pixels by H*W, so every pixel receives dout / (H*W).", about="dx")


AVGPOOL_CASES = [((2, 3, 5, 4), np.float64, "5x4 maps"), ((1, 2, 1, 1), np.float64, "batch 1, 1x1 maps"),
                 ((2, 4, 3, 3), np.float32, "3x3 maps, float32")]


def _grade_avgpool(case, x_shape, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(x_shape).astype(dtype)
    op = Op("global_avgpool_forward", "global_avgpool_backward", F.global_avgpool_forward, F.global_avgpool_backward)
    grade_op(case, op, [("x", x)], [("dx", "x")], seed=seed, hints=_avgpool_hints)


def maxpool_cases():
    return [Case(f"x{shape}, kernel {kernel}: {text}",
                 partial(_grade_maxpool, x_shape=shape, kernel=kernel, stride=stride, padding=padding, dtype=dtype,
                         values=values, seed=20 + index))
            for index, (shape, kernel, stride, padding, dtype, values, text) in enumerate(MAXPOOL_CASES)]


def avgpool_cases():
    return [Case(f"x{shape}: {text}", partial(_grade_avgpool, x_shape=shape, dtype=dtype, seed=30 + index))
            for index, (shape, dtype, text) in enumerate(AVGPOOL_CASES)]


EXERCISES = [
    Exercise(
        name="maxpool2d", title="max pooling forward and backward",
        functions=("maxpool2d_forward", "maxpool2d_backward"),
        reference=lambda: (F.maxpool2d_forward, F.maxpool2d_backward), cases=maxpool_cases,
        checked="for 5 configurations (no overlap, heavy overlap, padding with negative values near the border, "
                "ties, batch 1, odd sizes, pairs, float32): out and dx against the model answer (shape, dtype, "
                "values; at ties dx must go to the first maximum); dx against central differences of your "
                "forward (float64, random upstream gradient, no ties); x and dout left unchanged.",
        notebook="03_maxpool2d.ipynb", template=MAXPOOL_TEMPLATE),
    Exercise(
        name="global_avgpool", title="global average pooling forward and backward",
        functions=("global_avgpool_forward", "global_avgpool_backward"),
        reference=lambda: (F.global_avgpool_forward, F.global_avgpool_backward), cases=avgpool_cases,
        checked="for 3 shapes (batch 1 and 1x1 maps, float32): out and dx against the model answer (shape, dtype, "
                "values); dx against central differences of your forward (float64, random upstream gradient); x "
                "and dout left unchanged.",
        notebook="05_relu_pool_linear_loss.ipynb", template=AVGPOOL_TEMPLATE),
]
