"""Exercise "residual": the "+ x" of a residual block, and the paper's option-A shortcut.

Signatures and caches as in resnet_np/functional/residual.py:
    residual_add_forward(shortcut, residual) -> (out, cache)          out = shortcut + residual
    residual_add_backward(dout, cache) -> (d_shortcut, d_residual)    both equal to dout: the "+" copies it
    zero_pad_shortcut_forward(x, out_channels, stride=1) -> (out, cache)
        x (N, C, H, W) -> (N, out_channels, ceil(H/stride), ceil(W/stride)): x[:, :, ::stride, ::stride], then
        zero channels appended
    zero_pad_shortcut_backward(dout, cache) -> dx (N, C, H, W): the kept pixels get their copies' gradient
Where the two paths meet again at the block input, their gradients are summed; that is exercise
"basic_block_backward".
"""

from functools import partial

import numpy as np

from .. import functional as F
from .checks import Stop
from .opcase import Op, grade_op
from .registry import Exercise
from .runner import Case

FUNCTIONS = ("residual_add_forward", "residual_add_backward", "zero_pad_shortcut_forward",
             "zero_pad_shortcut_backward")

TEMPLATE = '''\
def residual_add_forward(shortcut, residual):
    """shortcut, residual: arrays of one shape -> (out = shortcut + residual, cache)."""
    raise NotImplementedError  # your code here


def residual_add_backward(dout, cache):
    """dout -> (d_shortcut, d_residual)."""
    raise NotImplementedError  # your code here


def zero_pad_shortcut_forward(x, out_channels, stride=1):
    """x (N, C, H, W) -> (out (N, out_channels, ceil(H / stride), ceil(W / stride)), cache).

    Option A of the paper: keep every stride-th pixel (x[:, :, ::stride, ::stride]), then append
    out_channels - C channels of zeros.
    """
    raise NotImplementedError  # your code here


def zero_pad_shortcut_backward(dout, cache):
    """dout (N, out_channels, h, w) -> dx (N, C, H, W)."""
    raise NotImplementedError  # your code here
'''


def _add_hints(case, view):
    dout = np.asarray(view.dout, np.float64)
    for label in ("d_shortcut", "d_residual"):
        got = view.grads.get(label)
        if case.matches(got, dout / 2):
            case.hint("residual-add-halves", f"your {label} is dout / 2. The '+' does not split its gradient: "
                      "d(a + b)/da = 1 and d(a + b)/db = 1, so BOTH inputs receive the whole dout. (That is what "
                      "keeps the gradient alive along the shortcut of a deep ResNet.)", about=label)
        elif got is not None and not np.any(got):
            case.hint("residual-add-one-path", f"your {label} is all zeros: the '+' sends dout, unchanged, to both "
                      "of its inputs.", about=label)


def _spread_variant(dout, x_shape, stride):
    """The mistake: every pixel of each stride x stride block gets the gradient of the one pixel kept from it."""
    n_images, channels, height, width = x_shape
    spread = np.repeat(np.repeat(np.asarray(dout, np.float64)[:, :channels], stride, axis=2), stride, axis=3)
    return spread[:, :, :height, :width]


def _shortcut_hints(case, view):
    x, stride = view.args["x"], view.args["stride"]
    dx = view.grads.get("dx")
    if dx is None or case.matches(dx, view.ref_grads["dx"]):
        return
    channels = x.shape[1]
    dout = np.asarray(view.dout, np.float64)
    if stride > 1 and case.matches(dx, _spread_variant(dout, x.shape, stride)):
        case.hint("zero-pad-spread", "your dx gives every pixel of each stride x stride block the gradient of the "
                  "one pixel the forward kept. The skipped pixels never reached the output: their gradient is 0; "
                  "only dx[:, :, ::stride, ::stride] = dout[:, :C].", about="dx")
    folded = np.zeros(x.shape)
    for start in range(0, dout.shape[1], channels):
        block = dout[:, start: start + channels]
        folded[:, : block.shape[1], ::stride, ::stride] += block
    if dout.shape[1] > channels and case.matches(dx, folded):
        case.hint("zero-pad-extra-channels", "your dx adds the gradient of the appended zero channels onto x. Those "
                  "channels are constants (zeros), not copies of x: their gradient goes nowhere; dx takes only "
                  "dout[:, :C].", about="dx")


def _grade_add(case, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    shortcut, residual = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    op = Op("residual_add_forward", "residual_add_backward", F.residual_add_forward, F.residual_add_backward)
    grade_op(case, op, [("shortcut", shortcut), ("residual", residual)],
             [("d_shortcut", "shortcut"), ("d_residual", "residual")], seed=seed, hints=_add_hints)


def _grade_shortcut(case, shape, out_channels, stride, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    op = Op("zero_pad_shortcut_forward", "zero_pad_shortcut_backward", F.zero_pad_shortcut_forward,
            F.zero_pad_shortcut_backward)
    try:
        grade_op(case, op, [("x", x), ("out_channels", out_channels), ("stride", stride)], [("dx", "x")], seed=seed,
                 hints=_shortcut_hints)
    except Stop as stop:
        floor = f"{(shape[0], out_channels, shape[2] // stride, shape[3] // stride)}"
        if stop.function == "zero_pad_shortcut_forward" and f"shape {floor}" in stop.message:
            case.hint("zero-pad-ceil", f"your output is {shape[2] // stride}x{shape[3] // stride}, rounded down; "
                      f"x[:, :, ::{stride}, ::{stride}] keeps pixels 0, {stride}, {2 * stride}, ... : "
                      f"ceil(H / stride) of them ({-(-shape[2] // stride)} for H = {shape[2]}).")
        raise


CASES = [
    ("add", (2, 3, 4, 4), None, None, np.float64, "residual_add: (2, 3, 4, 4)"),
    ("add", (1, 2, 3, 3), None, None, np.float32, "residual_add: (1, 2, 3, 3), float32"),
    ("shortcut", (2, 3, 7, 7), 6, 2, np.float64, "zero_pad_shortcut: x(2, 3, 7, 7) -> 6 channels, stride 2 (odd)"),
    ("shortcut", (2, 4, 4, 4), 4, 1, np.float64, "zero_pad_shortcut: x(2, 4, 4, 4) -> 4 channels, stride 1"),
    ("shortcut", (1, 2, 6, 5), 4, 2, np.float32,
     "zero_pad_shortcut: x(1, 2, 6, 5) -> 4 channels, stride 2, float32"),
]


def cases():
    result = []
    for index, (kind, shape, out_channels, stride, dtype, text) in enumerate(CASES):
        if kind == "add":
            run = partial(_grade_add, shape=shape, dtype=dtype, seed=80 + index)
        else:
            run = partial(_grade_shortcut, shape=shape, out_channels=out_channels, stride=stride, dtype=dtype,
                          seed=80 + index)
        result.append(Case(text, run))
    return result


EXERCISES = [
    Exercise(
        name="residual", title="the residual add and the option-A shortcut", functions=FUNCTIONS,
        reference=lambda: (F.residual_add_forward, F.residual_add_backward, F.zero_pad_shortcut_forward,
                           F.zero_pad_shortcut_backward),
        cases=cases,
        checked="residual_add on 2 shapes and the option-A shortcut on 3 (stride 2 with an odd size, stride 1, "
                "float32): outputs and gradients against the model answer (shape, dtype, values); the gradients "
                "against central differences of your forward (float64, random upstream gradient); inputs and dout "
                "left unchanged.",
        notebook="06_residual.ipynb", template=TEMPLATE),
]
